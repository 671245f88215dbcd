"""A scikit-learn compatible estimator base without importing scikit-learn.

``get_params``/``set_params`` introspect ``__init__``'s signature, as
``sklearn.base.BaseEstimator`` does, so fastrbm models work with ``clone``,
``Pipeline`` and ``GridSearchCV`` while scikit-learn stays an optional
(test-only) dependency. Subclassing BaseEstimator when importable would make
behaviour depend on what happens to be installed; this keeps it fixed.
"""
import inspect
import numbers
import sys

import numpy as np

from .._validation import check_param, check_params

__all__ = ["Estimator", "LazyKernels"]


class Estimator:
    """Base class: hyper-parameters are exactly the keyword arguments of ``__init__``."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    # Hyper-parameter -> constraint (``fastrbm._validation``: integer, real, one_of, FLAG); a
    # subclass's table extends its base classes'. Parameters with rules a table cannot say
    # (per-layer lists, cross-checks) are checked by the model's ``_check_params`` after it.
    _constraints = {}

    @classmethod
    def _declared_constraints(cls):
        """The merged table, for the parameters this class's constructor takes (GaussianRBM takes
        fewer than RBM)."""
        table = {}
        for klass in reversed(cls.__mro__):
            table.update(vars(klass).get("_constraints", {}))
        params = set(cls._param_names())
        return {name: constraint for name, constraint in table.items() if name in params}

    def _check_declared_params(self):
        """Raise the error of the first hyper-parameter that breaks its declared constraint."""
        check_params(self, self._declared_constraints())

    def get_params(self, deep=True):
        """Hyper-parameters as a dict (``deep`` is accepted for scikit-learn; there are no sub-estimators)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set hyper-parameters; unknown names raise ``ValueError`` listing the valid ones."""
        valid = self._param_names()
        for name in params:  # all checked before any is set
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
        if "backend" in params:
            self._check_backend_change(params["backend"])
        for name, value in params.items():
            setattr(self, name, value)
        return self

    # What scikit-learn's checks and meta-estimators should treat the model as:
    # "transformer", "classifier" or None; and whether X must be non-negative.
    _sklearn_role = None
    _non_negative_input = False

    def __sklearn_tags__(self):
        # Only scikit-learn calls this, so it may import it.
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags, TransformerTags

        role = self._sklearn_role
        return Tags(estimator_type="classifier" if role == "classifier" else None,
                    target_tags=TargetTags(required=role == "classifier"),
                    transformer_tags=(TransformerTags(preserves_dtype=[np.dtype(self.dtype).name])
                                      if role == "transformer" else None),
                    classifier_tags=ClassifierTags() if role == "classifier" else None,
                    input_tags=InputTags(positive_only=self._non_negative_input), requires_fit=True)

    def _check_backend_change(self, backend):
        """A fitted model's arrays live on its backend: moving them is ``save`` + ``load(backend=)``."""
        from ..backend import resolve_backend_name

        kernels = getattr(self, getattr(self, "_kernel_attr", "_K"), None)
        if kernels is not None and resolve_backend_name(backend) != kernels.name:
            raise ValueError(f"this {type(self).__name__} is fitted on backend {kernels.name!r}; set_params cannot "
                             f"move it to {backend!r}: call fit again, or save it and load(path, backend=...)")

    # ------------------------------------------------ transformer output (scikit-learn's set_output)
    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the class name in lower case and the column number."""
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self._n_features_out())], dtype=object)

    def set_output(self, *, transform=None):
        """Return ``transform`` output as ``"pandas"`` or ``"polars"`` data frames, or NumPy arrays
        (``"default"``); None leaves the setting (or scikit-learn's global ``transform_output``)."""
        if transform is not None:
            check_param("transform", transform, choices=("default", "pandas", "polars"))
            # the attribute scikit-learn's clone copies
            self._sklearn_output_config = {"transform": transform}
        return self

    def _wrap_output(self, Z, X):
        """``Z`` (rows of input ``X``) as the output container chosen by :meth:`set_output`."""
        mode = getattr(self, "_sklearn_output_config", {}).get("transform")
        if mode is None:
            sk = sys.modules.get("sklearn")
            mode = sk.get_config().get("transform_output", "default") if sk is not None else "default"
        if mode == "pandas":
            import pandas as pd

            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(Z, index=index, columns=self.get_feature_names_out())
        if mode == "polars":
            import polars as pl

            return pl.DataFrame(Z, schema=self.get_feature_names_out().tolist(), orient="row")
        return Z

    def __repr__(self):
        defaults = {n: p.default for n, p in inspect.signature(type(self).__init__).parameters.items()}
        changed = [f"{n}={v!r}" for n, v in self.get_params().items() if defaults.get(n) != v]
        return f"{type(self).__name__}({', '.join(changed)})"


class LazyKernels:
    """``_K`` (the kernel set of ``backend``) and ``_keys()`` (the key stream of ``random_state``),
    each made on first use; ``fit``/``load`` may replace them.

    Every model (RBM, GaussianRBM, MLP, DBN, DBNClassifier, Hopfield, DenseHopfield) holds its
    backend and stream this way."""

    _kernel_attr = "_kernels"  # pickling: the kernel set is resolved again by backend name

    @property
    def _K(self):
        if getattr(self, "_kernels", None) is None:
            from ..backend import get_backend

            self._kernels = get_backend(self.backend)
        return self._kernels

    def _keys(self):
        """The model's counter-based key stream, seeded from ``random_state`` on first use."""
        if getattr(self, "_keystream", None) is None:
            from ..rng import KeyStream, seed_from_random_state

            self._keystream = KeyStream(seed_from_random_state(self.random_state))
        return self._keystream

    def _header_params(self):
        """``get_params()`` as a model file's header stores them: JSON values, an integer or no seed."""
        params = self.get_params()
        rs = params.get("random_state")
        params["random_state"] = int(rs) if isinstance(rs, numbers.Integral) and not isinstance(rs, bool) else None
        params["dtype"] = np.dtype(params["dtype"]).name
        return params

    def _restore_keys(self, path, meta):
        """Continue the key stream saved in ``meta`` (older files without one: that of ``random_state``)."""
        from .._io import ModelFileError
        from ..rng import KeyStream

        if "keys" in meta:
            try:
                self._keystream = KeyStream(**meta["keys"])
            except (TypeError, ValueError) as exc:
                raise ModelFileError(f"{path}: invalid header field 'keys' ({exc})") from exc

    def _check_dtype(self):
        try:
            dtype_name = np.dtype(self.dtype).name
        except TypeError:
            dtype_name = repr(self.dtype)
        check_param("dtype", dtype_name, choices=("float32", "float64"))
