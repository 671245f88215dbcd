"""Models: thin Python over the backend kernels (no per-sample loops here)."""
