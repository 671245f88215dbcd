"""fastrbm: fast Hopfield networks, RBMs, DBNs and DBN-pretrained MLPs.

Every hot loop runs on a chosen backend (NumPy reference, Numba CPU, Cython
OpenMP, Numba CUDA) with the same API: see :func:`backend_info`.

Importing fastrbm before NumPy sets ``OPENBLAS_THREAD_TIMEOUT=4`` unless it is
already set: OpenBLAS's idle workers otherwise busy-wait about 0.1 s after every
matrix product, holding a core that the compiled backends' threads need between
products (on 2 cores the Hopfield sweeps ran no faster on 2 threads than on 1).
OpenBLAS reads the variable once, when it loads; after ``import numpy`` export it
in the shell instead.
"""
import os as _os
import sys as _sys

if "numpy" not in _sys.modules:
    _os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from .backend import BackendUnavailable, backend_info, get_backend
from .models.dbn import DBN
from .models.dbn_classifier import DBNClassifier
from .models.hopfield import Hopfield
from .models.mlp import MLP
from .models.rbm import RBM, GaussianRBM

__version__ = "0.1.0"

__all__ = ["__version__", "backend_info", "get_backend", "BackendUnavailable", "RBM", "GaussianRBM", "MLP",
           "DBN", "DBNClassifier", "Hopfield"]
