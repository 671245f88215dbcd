"""A scikit-learn compatible estimator base without importing scikit-learn.

``get_params``/``set_params`` introspect ``__init__``'s signature, as
``sklearn.base.BaseEstimator`` does, so fastrbm models work with ``clone``,
``Pipeline`` and ``GridSearchCV`` while scikit-learn stays an optional
(test-only) dependency. Subclassing BaseEstimator when importable would make
behaviour depend on what happens to be installed; this keeps it fixed.
"""
import inspect

__all__ = ["Estimator"]


class Estimator:
    """Base class: hyper-parameters are exactly the keyword arguments of ``__init__``."""

    @classmethod
    def _param_names(cls):
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep=True):
        """Hyper-parameters as a dict (``deep`` is accepted for scikit-learn; there are no sub-estimators)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set hyper-parameters; unknown names raise ``ValueError`` listing the valid ones."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self):
        # Only scikit-learn calls this, so it may import it.
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(), requires_fit=True)

    def __repr__(self):
        defaults = {n: p.default for n, p in inspect.signature(type(self).__init__).parameters.items()}
        changed = [f"{n}={v!r}" for n, v in self.get_params().items() if defaults.get(n) != v]
        return f"{type(self).__name__}({', '.join(changed)})"
