"""Device arrays for the CUDA backend, and the matrix product.

Products go to cuBLAS through CuPy when it is installed on a real GPU (CuPy
wraps Numba device arrays without a copy via ``__cuda_array_interface__``);
otherwise a shared-memory tiled kernel computes them (always the case under
the simulator).
"""
import numba
import numpy as np
from numba import cuda, float32, float64

__all__ = ["asarray", "to_numpy", "matmul", "empty", "zeros"]

cupy = None
if not numba.config.ENABLE_CUDASIM:
    try:  # cuBLAS through CuPy, only on a real device
        import cupy
    except Exception:  # noqa: BLE001 - any CuPy import failure means "use the fallback"
        cupy = None


def is_device_array(x):
    return hasattr(x, "copy_to_host")  # real and simulated device arrays alike


def asarray(x, dtype=None):
    """Device array holding ``x`` (copied to the GPU when it is a host array)."""
    if is_device_array(x):
        if dtype is None or np.dtype(dtype) == x.dtype:
            return x
        x = x.copy_to_host()
    return cuda.to_device(np.ascontiguousarray(x, dtype=dtype))


def to_numpy(x):
    """Host NumPy copy of a device array (NumPy input is returned as is)."""
    return x.copy_to_host() if is_device_array(x) else np.asarray(x)


def empty(shape, dtype=np.float32):
    return cuda.device_array(shape, dtype=dtype)


def zeros(shape, dtype=np.float32):
    return cuda.to_device(np.zeros(shape, dtype=dtype))


TILE = 16  # shared-memory tile side (a compile-time constant)


def make_matmul_kernel(element_type):
    @cuda.jit
    def matmul_kernel(a, b, out, ta, tb):
        """out = op(a) @ op(b) with TILE x TILE shared-memory tiles; op transposes when ta/tb."""
        sa = cuda.shared.array((TILE, TILE), element_type)
        sb = cuda.shared.array((TILE, TILE), element_type)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        row = cuda.blockIdx.y * TILE + ty
        col = cuda.blockIdx.x * TILE + tx
        n, m = out.shape
        inner = a.shape[0] if ta else a.shape[1]
        acc = element_type(0.0)
        for t in range((inner + TILE - 1) // TILE):
            k = t * TILE + tx
            if row < n and k < inner:
                sa[ty, tx] = a[k, row] if ta else a[row, k]
            else:
                sa[ty, tx] = 0.0
            k = t * TILE + ty
            if col < m and k < inner:
                sb[ty, tx] = b[col, k] if tb else b[k, col]
            else:
                sb[ty, tx] = 0.0
            cuda.syncthreads()
            for kk in range(TILE):
                acc += sa[ty, kk] * sb[kk, tx]
            cuda.syncthreads()
        if row < n and col < m:
            out[row, col] = acc

    return matmul_kernel


MATMUL_KERNELS = {np.dtype(np.float32): make_matmul_kernel(float32),
                  np.dtype(np.float64): make_matmul_kernel(float64)}


def matmul(a, b, out=None, transpose_a=False, transpose_b=False):
    """``op(a) @ op(b)`` on the device, written into ``out`` when given."""
    a, b = asarray(a), asarray(b)
    n = a.shape[1] if transpose_a else a.shape[0]
    m = b.shape[0] if transpose_b else b.shape[1]
    if out is None:
        out = empty((n, m), dtype=np.result_type(a.dtype, b.dtype))
    if cupy is not None:
        ca, cb = cupy.asarray(a), cupy.asarray(b)
        cupy.matmul(ca.T if transpose_a else ca, cb.T if transpose_b else cb, out=cupy.asarray(out))
        return out
    grid = ((m + TILE - 1) // TILE, (n + TILE - 1) // TILE)
    MATMUL_KERNELS[out.dtype][grid, (TILE, TILE)](a, b, out, transpose_a, transpose_b)
    return out
