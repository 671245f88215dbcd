import sys, time, json; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from common import *
from evalnp import Ev
from fastrbm.models._top_rbm import train_rbm
from fastrbm.rng import KeyStream
# --continue: start from the saved top RBM with PCD-1 defaults (the PCD phase of docs/dbn.md)
resume = "--continue" in sys.argv
args = [a for a in sys.argv[1:] if a != "--continue"]
dbn = fastrbm.DBN.load(args[0], backend="cython")
init = (dbn.top_W_, dbn.top_b_, dbn.top_c_) if resume else None
c = clf(); X, y = data()
Xt, yt = load_mnist("test", source="idx", data_dir=D)
pen = dbn.transform(X)
V = np.hstack([pen, np.eye(10, dtype=np.float32)[y]])
K = fastrbm.get_backend("cython")
ev = Ev(dbn, c, pen.astype(np.float64), y)
for spec in args[1:]:
    kw = dict(learning_rate=0.01 if resume else 0.1, n_epochs=5 if resume else 10, k=1, persistent=resume,
              momentum=0.5, final_momentum=0.9, momentum_switch_epoch=5, weight_decay=2e-4, batch_size=100)
    kw.update(json.loads(spec))
    t = time.time()
    W, b, cc, hist = train_rbm(K, V, 2000, n_labels=10, dtype=np.float32, keys=KeyStream(1), init=init, **kw)
    tt = time.time() - t
    dbn.top_W_, dbn.top_b_, dbn.top_c_ = W, b, cc
    acc = dbn.score(Xt[:2000], yt[:2000])
    print(f"=== {spec}: train {tt:.0f}s, FE acc {acc:.3f}", flush=True)
    ev.set_top(W, b, cc)
    ev.run("noise 1000", "noise", 1000)
    ev.run("noise 200" if resume else "classmean 1000", "noise" if resume else "mean", 200 if resume else 1000)
