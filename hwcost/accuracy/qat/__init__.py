"""Layer quantizers configured from a scheme, and attaching them to a network."""
