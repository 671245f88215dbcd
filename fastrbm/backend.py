"""Backend registry: picks the kernel set the models run on.

``FASTRBM_BACKEND`` = ``auto`` (default) | ``numpy`` | ``numba`` | ``cython`` |
``cuda`` chooses the default; a ``backend=`` argument overrides it. ``auto``
takes the fastest available (a real CUDA device, then cython, numba, numpy)
and logs its choice once. Cython comes before Numba from the end-to-end
benchmarks (``benchmarks/bench_user.py``): its ``RBM.fit`` and ``DBN.fit`` are
the fastest on CPU, ``MLP.fit`` ties, and it compiles nothing at run time (no
first-call JIT). An explicitly requested backend that is
unavailable raises :class:`BackendUnavailable` with the reason; it never
falls back silently.
"""
import importlib
import logging
import os
import types

from ._contract import DOMAINS

__all__ = ["BACKENDS", "BackendUnavailable", "get_backend", "backend_info", "resolve_backend_name"]

logger = logging.getLogger("fastrbm")

BACKENDS = ("numpy", "numba", "cython", "cuda")
AUTO_ORDER = ("cuda", "cython", "numba", "numpy")
PACKAGES = {
    "numpy": "reference",
    "numba": "numba_cpu",
    "cython": "cython",
    "cuda": "numba_cuda",
}
ENV_VAR = "FASTRBM_BACKEND"


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run here; the message says why.

    Examples
    --------
    >>> import fastrbm
    >>> try:
    ...     kernels = fastrbm.get_backend("cuda")
    ... except fastrbm.BackendUnavailable as exc:
    ...     print("no GPU here:", exc)  # doctest: +SKIP
    """


_loaded = {}  # name -> kernel set (types.SimpleNamespace) or the reason it failed
_auto_choice = None


def _cuda_reason():
    """None when Numba's CUDA target works (real GPU or simulator), else why not."""
    try:
        from numba import config, cuda
    except ImportError as exc:
        return f"numba is not installed ({exc})"
    if config.ENABLE_CUDASIM:
        return None
    try:
        if cuda.is_available():
            return None
    except Exception as exc:  # noqa: BLE001 - the driver's own message is the reason
        return f"no CUDA device ({exc})"
    return "no CUDA device (numba.cuda.is_available() is False; set NUMBA_ENABLE_CUDASIM=1 for the simulator)"


def _load(name):
    """Import every domain module of backend ``name``; cache the set or the failure."""
    if name in _loaded:
        return _loaded[name]
    package = "fastrbm.kernels." + PACKAGES[name]
    result = None
    if name == "cuda":
        result = _cuda_reason()
    if result is None:
        kernels = types.SimpleNamespace(name=name)
        try:
            # A backend whose kernels may not run in two threads at once guards them.
            guard = getattr(importlib.import_module(package), "guard_kernel", lambda kernel: kernel)
            for domain in DOMAINS:
                module = importlib.import_module(f"{package}.{domain}")
                for fn in module.__all__:
                    setattr(kernels, fn, guard(getattr(module, fn)))
            result = kernels
        except ImportError as exc:
            hint = {
                "numba": "numba is not installed: pip install numba",
                "cython": "the Cython extensions are not compiled: reinstall with pip install .",
                "cuda": "Numba's CUDA target is missing: pip install 'fastrbm[cuda]'",
            }.get(name, "")
            result = f"{hint} ({exc})" if hint else str(exc)
    _loaded[name] = result
    return result


def simulated_cuda():
    """True when the CUDA backend would run on Numba's simulator."""
    try:
        from numba import config
    except ImportError:
        return False
    return bool(config.ENABLE_CUDASIM)


def resolve_backend_name(name=None):
    """The backend name that ``get_backend(name)`` would use (``auto`` resolved)."""
    global _auto_choice
    requested = (name if name is not None else os.environ.get(ENV_VAR, "auto")).strip().lower()
    if requested not in BACKENDS + ("auto",):
        source = "backend=" if name is not None else f"{ENV_VAR}="
        raise ValueError(
            f"unknown backend {source}{requested!r}; valid choices are: auto, " + ", ".join(BACKENDS)
        )
    if requested != "auto":
        return requested
    if _auto_choice is None:
        for candidate in AUTO_ORDER:
            # The simulator is for testing, far too slow to be chosen automatically.
            if candidate == "cuda" and simulated_cuda():
                continue
            if not isinstance(_load(candidate), str):
                _auto_choice = candidate
                break
        logger.info("fastrbm: backend 'auto' chose %r", _auto_choice)
    return _auto_choice


def get_backend(name=None):
    """Return the kernel set for ``name`` (None: ``FASTRBM_BACKEND``, default ``auto``).

    Raises
    ------
    ValueError
        for an unknown name (the message lists the valid ones).
    BackendUnavailable
        when the backend cannot run here (the message says why).

    Examples
    --------
    >>> import fastrbm
    >>> kernels = fastrbm.get_backend("numpy")
    >>> kernels.name
    'numpy'
    >>> fastrbm.get_backend("tpu")
    Traceback (most recent call last):
    ...
    ValueError: unknown backend backend='tpu'; valid choices are: auto, numpy, numba, cython, cuda
    """
    resolved = resolve_backend_name(name)
    kernels = _load(resolved)
    if isinstance(kernels, str):
        raise BackendUnavailable(f"backend {resolved!r} is not available: {kernels}")
    return kernels


def available_backends():
    """Names of the backends that can run here, in registry order."""
    return [name for name in BACKENDS if not isinstance(_load(name), str)]


def backend_info():
    """One dict per backend: ``name``, ``available``, ``reason`` (None when available), ``default``.

    The ``default`` flag marks the backend a model gets without ``backend=``.

    Examples
    --------
    >>> import fastrbm
    >>> rows = {row["name"]: row for row in fastrbm.backend_info()}
    >>> rows["numpy"]["available"], rows["numpy"]["reason"]
    (True, None)
    >>> sorted(rows)
    ['cuda', 'cython', 'numba', 'numpy']
    """
    try:
        default = resolve_backend_name()
    except ValueError:
        default = None
    rows = []
    for name in BACKENDS:
        loaded = _load(name)
        ok = not isinstance(loaded, str)
        reason = None if ok else loaded
        if ok and name == "cuda" and simulated_cuda():
            reason = "CUDA simulator (NUMBA_ENABLE_CUDASIM=1): correct but slow"
        rows.append({"name": name, "available": ok, "reason": reason, "default": name == default})
    return rows
