"""Where Numba keeps the compiled kernels: the user's cache, never the installed package.

Numba's default writes ``__pycache__/*.nbi/*.nbc`` beside the source, i.e. into
``site-packages/fastrbm/kernels/...``. Those files outlive ``pip uninstall`` and the
leftover ``site-packages/fastrbm/`` folder then shadows an editable install as an
empty namespace package. ``$NUMBA_CACHE_DIR`` still wins when the user sets it.
"""
import os

import numba

from ..datasets import get_cache_dir


def use_user_cache():
    """Point Numba's cache at ``<fastrbm cache>/numba`` unless ``NUMBA_CACHE_DIR`` is set.

    Must run before the first ``@njit(cache=True)`` decorator of a backend module
    executes: Numba picks a function's cache locator when it is decorated.
    """
    if not os.environ.get("NUMBA_CACHE_DIR"):
        numba.config.CACHE_DIR = str(get_cache_dir() / "numba")
