"""A small numpy network library: just enough layers to train and quantize digit classifiers."""
