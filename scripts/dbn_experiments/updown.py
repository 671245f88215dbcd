import sys, time, json; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from common import *
X, y = data()
c = clf()
for spec in sys.argv[2:]:
    dbn = fastrbm.DBN.load(sys.argv[1], backend="cython")
    kw = json.loads(spec)
    t = time.time()
    dbn.fine_tune(X, y, **kw)
    print(f"=== up-down {spec}: {time.time()-t:.0f}s", flush=True)
    for steps in (1000,):
        evaluate(dbn, n_steps=steps, tag=f"steps {steps}")
    S = dbn.sample(200, n_steps=1000, free_labels="gibbs")
    print("free hist", np.bincount(c.predict(S), minlength=10), flush=True)
