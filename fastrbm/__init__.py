"""fastrbm: fast Hopfield networks, RBMs, DBNs and DBN-pretrained MLPs.

Every hot loop runs on a chosen backend (NumPy reference, Numba CPU, Cython
OpenMP, Numba CUDA) with the same API: see :func:`backend_info`.

Importing fastrbm sets the wait policies of the thread pools it shares with NumPy's
BLAS and with PyTorch or TensorFlow in the same process (see :mod:`fastrbm._threads`).
"""
from . import _threads  # first: it sets environment variables that libraries read when they load

from ._io import ModelFileError
from ._validation import DataConversionWarning, NotFittedError
from .backend import BackendUnavailable, backend_info, get_backend
from .models.conv_rbm import ConvRBM
from .models.dbn import DBN
from .models.dbn_classifier import DBNClassifier
from .models.dense_hopfield import DenseHopfield
from .models.drbm import DiscriminativeRBM
from .models.hopfield import Hopfield
from .models.mlp import MLP
from .models.rbm import RBM, GaussianRBM

__version__ = "0.1.0"

# The errors show as fastrbm.X in tracebacks, where users import them from.
for _error in (ModelFileError, NotFittedError, DataConversionWarning, BackendUnavailable):
    _error.__module__ = __name__
del _error

__all__ = ["__version__", "backend_info", "get_backend", "BackendUnavailable", "RBM", "GaussianRBM", "ConvRBM", "MLP",
           "DBN", "DBNClassifier", "DiscriminativeRBM", "Hopfield", "DenseHopfield", "ModelFileError",
           "NotFittedError", "DataConversionWarning"]
