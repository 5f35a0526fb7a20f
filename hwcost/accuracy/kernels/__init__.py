"""Quantizer kernels: fake quantization, rounding, LSQ / PACT / DoReFa / SQ, integer grids."""
