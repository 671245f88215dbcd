"""DBNClassifier on full MNIST with the defaults plus the JSON changes given (issue 12):
test error and fit time. Usage: python scripts/dbn_experiments/classifier_full.py '{"dropout": 0.2}'"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fastrbm  # noqa: E402
from mnist_local import load  # noqa: E402

params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
X, y = load("train")
Xt, yt = load("test")
t = time.perf_counter()
clf = fastrbm.DBNClassifier(backend="cython", verbose=True, **params).fit(X, y)
fit_s = time.perf_counter() - t
print(json.dumps({"params": params, "test_error": 1 - clf.score(Xt, yt), "fit_s": fit_s}), flush=True)
