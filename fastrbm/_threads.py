"""The thread pools fastrbm shares with NumPy's BLAS and with other libraries in one process.

On a small machine idle workers that *spin* (busy-wait) after a parallel region hold the
cores that the next region needs. Two settings make them sleep instead; both are read
once, when the library that owns the pool loads, so fastrbm sets them (unless the user
did) at ``import fastrbm``:

* ``OPENBLAS_THREAD_TIMEOUT=4``, only when NumPy is not imported yet: OpenBLAS's workers
  otherwise busy-wait about 0.1 s after every product.
* ``OMP_WAIT_POLICY=PASSIVE`` for the OpenMP runtime (libgomp) that the Cython kernels
  use. On 2 cores, spinning OpenMP workers made a CD-1 epoch 4-20x slower.

PyTorch and TensorFlow load libgomp themselves. When one of them was imported first, the
runtime already runs with its default (spinning) policy, which no call can change; the
Cython kernels then run their loops on the calling thread (:func:`compiled_threads` is 1),
so no worker of that pool is woken between BLAS products. ``FASTRBM_NUM_THREADS`` or
``OMP_NUM_THREADS`` set the team size explicitly.
"""
import os
import sys

OPENMP_RUNTIMES = ("libgomp", "libiomp", "libomp.so")


def openmp_loaded():
    """True when an OpenMP runtime is already mapped into this process (Linux; False elsewhere)."""
    try:
        with open("/proc/self/maps") as maps:
            return any(name in line for line in maps for name in OPENMP_RUNTIMES)
    except OSError:
        return False


def _configure():
    """Set the two wait policies (module docstring); return whether a spinning OpenMP pool is loaded."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
    spinning = "OMP_WAIT_POLICY" not in os.environ and openmp_loaded()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return spinning


SPINNING_OPENMP = _configure()


def cpu_count():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def compiled_threads():
    """Team size for the compiled kernels' parallel loops.

    ``FASTRBM_NUM_THREADS``, else ``OMP_NUM_THREADS``, else 1 when a spinning OpenMP
    runtime was loaded before fastrbm (module docstring) or the machine has at most
    :data:`SERIAL_UP_TO` cores, else every core.
    """
    for var in ("FASTRBM_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    cores = cpu_count()
    return 1 if SPINNING_OPENMP or cores <= SERIAL_UP_TO else cores


# On 2 cores the per-minibatch loops are faster on the calling thread: the BLAS already runs
# two threads, and waking a sleeping OpenMP team for each pass costs more than it saves
# (bare CD-1 epoch, 20,000 MNIST rows, min of 5 interleaved: 0.68 s serial vs 0.80 s on 2).
SERIAL_UP_TO = 2
