"""Pure-NumPy reference kernels: vectorised, readable, the specification."""
