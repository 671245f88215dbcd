"""Bad-input fuzz (issue 14): every public method of every model, on each CPU backend, gets
malformed arguments; each must raise ValueError/TypeError naming the argument, never crash,
hang or return a (silently wrong) answer.

    python scripts/fuzz_inputs.py [--backends numpy,numba,cython]

Prints one line per case that does not raise a clear error, then the counts.
"""
import argparse
import re
import sys
import warnings

import numpy as np

import fastrbm
from fastrbm import DBN, MLP, DBNClassifier, DenseHopfield, GaussianRBM, Hopfield, RBM

warnings.filterwarnings("ignore")
rng = np.random.default_rng(0)
X = (rng.random((20, 6)) < 0.5).astype(np.float32)
Y = np.arange(20) % 2
P = np.where(rng.random((2, 8)) < 0.5, -1.0, 1.0).astype(np.float32)


class Sparse:  # scipy.sparse by duck typing
    nnz, shape = 3, (20, 6)

    def toarray(self):
        return X


def bad_arrays(good):
    """(label, value) of malformed versions of the 2-D float array ``good``."""
    nan, inf, big = good.copy(), good.copy(), good.copy()
    nan[0, 0], inf[0, 0], big[0, 0] = np.nan, np.inf, 7.0
    yield "nan", nan
    yield "inf", inf
    yield "outside-range", big if good.min() >= 0 else good * 9
    yield "wrong-width", good[:, :-1]
    yield "1-D", good[0]
    yield "3-D", good[None]
    yield "empty", good[:0]
    yield "complex", good + 0.5j
    yield "strings", good.astype(str)
    yield "object", np.array([[{"a": 1}] * good.shape[1]] * 2, dtype=object)
    yield "ragged", [list(good[0]), list(good[1][:-1])]
    yield "sparse", Sparse()
    yield "None", None


def bad_labels(good):
    yield "nan", np.where(good == 0, np.nan, good)
    yield "inf", np.where(good == 0, np.inf, good)
    yield "fraction", good + 0.5
    yield "length", good[:-1]
    yield "2-D", np.stack([good, good], axis=1)
    yield "complex", good + 0.5j
    yield "sparse", Sparse()


def cases(backend):
    """(name, callable taking the bad value, the argument name the error must mention, bad values)."""
    Xg = X * 2 - 0.5
    rbm = RBM(3, n_epochs=1, batch_size=10, backend=backend, random_state=0).fit(X)
    grbm = GaussianRBM(3, n_epochs=1, batch_size=10, backend=backend, random_state=0).fit(Xg)
    mlp = MLP((4,), n_epochs=1, early_stopping=False, backend=backend, random_state=0).fit(X, Y)
    dbn = DBN((6, 4, 5), n_labels=2, n_epochs=1, batch_size=10, backend=backend, random_state=0).fit(X, Y)
    clf = DBNClassifier((4,), pretrain_epochs=1, n_epochs=1, early_stopping=False, backend=backend,
                        random_state=0).fit(X, Y)
    net = Hopfield(8, backend=backend, random_state=0).store(P)
    dense = DenseHopfield(8, "exponential", backend=backend, random_state=0).store(P)
    new = dict(n_epochs=1, batch_size=10, backend=backend)
    for name, fn in [("RBM.fit", lambda v: RBM(3, **new).fit(v)), ("RBM.transform", rbm.transform),
                     ("RBM.partial_fit", rbm.partial_fit), ("RBM.score_samples", rbm.score_samples),
                     ("RBM.free_energy", rbm.free_energy), ("RBM.reconstruct", rbm.reconstruct),
                     ("GaussianRBM.fit", lambda v: GaussianRBM(3, **new).fit(v)),
                     ("GaussianRBM.transform", grbm.transform),
                     ("MLP.fit", lambda v: MLP((4,), n_epochs=1, early_stopping=False, backend=backend).fit(v, Y)),
                     ("MLP.predict", mlp.predict), ("MLP.predict_proba", mlp.predict_proba),
                     ("DBN.fit", lambda v: DBN((6, 4, 5), n_labels=2, **new).fit(v, Y)),
                     ("DBN.transform", dbn.transform), ("DBN.predict", dbn.predict),
                     ("DBNClassifier.fit", lambda v: DBNClassifier((4,), pretrain_epochs=1, n_epochs=1,
                                                                   early_stopping=False, backend=backend).fit(v, Y)),
                     ("DBNClassifier.predict", clf.predict)]:
        yield name, fn, "X", X if "Gaussian" not in name else Xg, bad_arrays
    for name, fn in [("Hopfield.store", lambda v: Hopfield(8, backend=backend).store(v)),
                     ("Hopfield.recall", net.recall), ("Hopfield.energy", net.energy),
                     ("DenseHopfield.store", lambda v: DenseHopfield(8, backend=backend).store(v)),
                     ("DenseHopfield.recall", dense.recall), ("DenseHopfield.energy", dense.energy)]:
        yield name, fn, "", P, bad_arrays
    for name, fn in [("MLP.fit(y)", lambda v: MLP((4,), n_epochs=1, early_stopping=False, backend=backend).fit(X, v)),
                     ("MLP.score(y)", lambda v: mlp.score(X, v)),
                     ("DBN.fit(y)", lambda v: DBN((6, 4, 5), n_labels=2, **new).fit(X, v)),
                     ("DBNClassifier.fit(y)", lambda v: DBNClassifier((4,), pretrain_epochs=1, n_epochs=1,
                                                                      early_stopping=False, backend=backend).fit(X, v))]:
        yield name, fn, "y", Y, bad_labels


# Models whose inputs may be any finite real (DBNClassifier.predict is its MLP's).
UNBOUNDED = ("GaussianRBM", "MLP", "DBNClassifier")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(b for b in ("numpy", "numba", "cython")
                                                       if b in fastrbm.backend.available_backends()))
    args = parser.parse_args()
    counts = {"clear error": 0, "unclear error": 0, "answer": 0, "crash": 0}
    for backend in args.backends.split(","):
        for name, fn, arg, good, bad in cases(backend):
            for label, value in bad(good):
                if label == "wrong-width" and name.endswith(".fit"):
                    continue  # a new model may have any width
                if label == "outside-range" and name.split(".")[0] in UNBOUNDED:
                    continue  # real-valued inputs: any finite value is valid
                try:
                    fn(value)
                except (ValueError, TypeError) as exc:
                    named = not arg or re.search(rf"\b{arg}\b|Input {arg}|input", str(exc))
                    kind = "clear error" if named and "Traceback" not in str(exc) else "unclear error"
                    if kind != "clear error":
                        print(f"{backend:7s} {name:24s} {label:14s} unclear: {type(exc).__name__}: {exc}")
                except Exception as exc:  # noqa: BLE001 - what the fuzz looks for
                    kind = "crash"
                    print(f"{backend:7s} {name:24s} {label:14s} crash: {type(exc).__name__}: {exc}")
                else:
                    kind = "answer"
                    print(f"{backend:7s} {name:24s} {label:14s} returned an answer")
                counts[kind] += 1
    print(", ".join(f"{k}: {v}" for k, v in counts.items()), f"({sum(counts.values())} cases)")
    return 0 if counts["clear error"] == sum(counts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
