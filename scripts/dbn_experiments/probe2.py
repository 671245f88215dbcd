import sys, time; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from common import *
from evalnp import Ev, sig
dbn = fastrbm.DBN.load(sys.argv[1], backend="cython")
c = clf(); X, y = data()
pen = dbn.transform(X).astype(np.float64)
ev = Ev(dbn, c, pen, y)
ev.run("noise 1000", "noise", 1000)
ev.run("classmean 1000", "mean", 1000)
ev.run("classmean 200", "mean", 200)
# track the activity of noise-started chains for label 3
rng = ev.rng; W, d = ev.W, ev.d
v = (rng.random((50, d)) < 0.5).astype(float)
for t in range(1, 1001):
    v = ev.chain(v, 3, 1)
    if t in (1, 2, 5, 10, 50, 200, 1000):
        act = v.mean(1)
        print(t, "silent-ish chains (act<0.04):", (act < 0.04).sum(), "mean act %.3f" % act.mean(), flush=True)
print("data pen act per image: min %.3f 5%% %.3f" % (pen.mean(1).min(), np.percentile(pen.mean(1), 5)))
