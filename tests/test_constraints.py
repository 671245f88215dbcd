"""The declared hyper-parameter tables: every entry names a constructor argument, and every
constraint in them is enforced with an error that names the parameter."""
import math

import pytest

import fastrbm

MODELS = {
    "RBM": lambda: fastrbm.RBM(),
    "GaussianRBM": lambda: fastrbm.GaussianRBM(),
    "ConvRBM": lambda: fastrbm.ConvRBM(),
    "MLP": lambda: fastrbm.MLP(),
    "DBNClassifier": lambda: fastrbm.DBNClassifier(),
    "DBN": lambda: fastrbm.DBN(),
    "DiscriminativeRBM": lambda: fastrbm.DiscriminativeRBM(),
    "Hopfield": lambda: fastrbm.Hopfield(8),
    "DenseHopfield": lambda: fastrbm.DenseHopfield(8),
}


def violations(constraint):
    """Values that break ``constraint`` (a dict of check_param's keywords)."""
    if "choices" in constraint:
        return ["not-a-choice"]
    bad = [math.nan, "0.5"]
    if constraint.get("low") is not None:
        bad.append(constraint["low"] - 1)
        if constraint.get("low_open"):
            bad.append(constraint["low"])
    if constraint.get("high") is not None:
        bad.append(constraint["high"] + 1)
        if constraint.get("high_open"):
            bad.append(constraint["high"])
    if constraint.get("kind") is not None:
        bad.append(1.5)  # an integer parameter given a fraction
    if not constraint.get("allow_inf"):
        bad.append(math.inf)
    return bad


@pytest.mark.parametrize("kind", MODELS)
def test_every_declared_constraint_is_enforced_and_named(kind):
    model = MODELS[kind]()
    table = type(model)._declared_constraints()
    assert table, f"{kind} declares no constraints"
    own = set(vars(type(model)).get("_constraints", {}))
    assert own <= set(model.get_params()), f"{kind} declares parameters its constructor does not take"
    model._check_params()  # the defaults pass
    for name, constraint in table.items():
        for value in violations(constraint):
            broken = MODELS[kind]().set_params(**{name: value})
            with pytest.raises((ValueError, TypeError), match=name):
                broken._check_params()
