# Team size of this module's OpenMP loops: fastrbm/kernels/cython/__init__.py sets it once, from
# fastrbm._threads.compiled_threads(), when the backend loads.
cdef int num_threads = 1


def set_num_threads(int n):
    """Run this module's OpenMP loops on ``n`` threads (at least 1)."""
    global num_threads
    num_threads = n if n > 0 else 1
