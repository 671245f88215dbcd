import os, pickle, time, sys
import numpy as np
import fastrbm
from fastrbm.datasets import load_mnist
D = "/work/shared/data/mnist"
def data(n=10000):
    X, y = load_mnist("train", source="idx", data_dir=D)
    return X[:n], y[:n]
def clf():
    os.makedirs(os.environ.get("DBN_EXP_DIR", "/tmp/exp"), exist_ok=True)
    p = os.environ.get("DBN_EXP_DIR", "/tmp/exp") + "/clf.pkl"
    if os.path.exists(p):
        return pickle.load(open(p, "rb"))
    from sklearn.linear_model import LogisticRegression
    X, y = load_mnist("train", source="idx", data_dir=D)
    t = time.time()
    c = LogisticRegression(max_iter=200, C=0.1).fit(X[40000:60000], y[40000:60000])
    Xt, yt = load_mnist("test", source="idx", data_dir=D)
    print("clf test acc", c.score(Xt, yt), time.time() - t, flush=True)
    pickle.dump(c, open(p, "wb"))
    return c
def evaluate(dbn, n_steps=1000, per=10, tag="", **kw):
    c = clf()
    t = time.time()
    S = np.vstack([dbn.sample(per, label=k, n_steps=n_steps, **kw) for k in range(10)])
    pred = c.predict(S)
    lab = np.repeat(np.arange(10), per)
    per_label = [(pred[lab == k] == k).mean() for k in range(10)]
    hist = np.bincount(pred, minlength=10)
    print(f"{tag} recog {np.mean(per_label):.2f} per-label {np.round(per_label,1)} predhist {hist} ({time.time()-t:.0f}s)", flush=True)
    return S, pred
