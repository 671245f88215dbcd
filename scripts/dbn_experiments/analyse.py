import sys, time; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from common import *
path = sys.argv[1]
dbn = fastrbm.DBN.load(path, backend="cython")
c = clf()
X, y = data()
Xt, yt = load_mnist("test", source="idx", data_dir=D)
print("free-energy test acc (2000)", dbn.score(Xt[:2000], yt[:2000]))
W, b, cc = dbn.top_W_.astype(np.float64), dbn.top_b_.astype(np.float64), dbn.top_c_.astype(np.float64)
d = W.shape[0] - 10
pen = dbn.transform(X).astype(np.float64)
pre = pen @ W[:d]
print("pen mean act", pen.mean(), "hidden input from pen: std over data %.2f, mean |.| %.2f" % (pre.std(0).mean(), np.abs(pre + cc).mean()))
print("label row norms", np.linalg.norm(W[d:], axis=1).round(1), "pen row norm mean", np.linalg.norm(W[:d], axis=1).mean().round(2))
print("label contribution std across labels per hidden:", W[d:].std(0).mean().round(3), " label bias b", b[d:].round(2))
rng = np.random.default_rng(0)
sig = lambda x: 1 / (1 + np.exp(-x))
def down(p):
    for G, g in zip(reversed(dbn.gen_weights_), reversed(dbn.gen_biases_)):
        p = sig(p @ G.T + g)
    return p
def chain(v, label, n_steps, final_prob=False):
    ce = cc + W[d + label]
    for t in range(n_steps):
        h = (rng.random((len(v), W.shape[1])) < sig(v @ W[:d] + ce)).astype(float)
        pv = sig(h @ W[:d].T + b[:d])
        v = (rng.random(pv.shape) < pv).astype(float)
    return pv if (final_prob and n_steps) else v
def F(v, label):
    x = v @ W[:d] + cc + W[d + label]
    return -(v @ b[:d]) - np.logaddexp(0, x).sum(1)
cm = np.array([pen[y == k].mean(0) for k in range(10)])
def run(tag, init, n_steps, final_prob=False, per=10):
    t = time.time(); S = []; Fs = []; acts = []
    for k in range(10):
        v = init(k, per)
        v = chain(v, k, n_steps, final_prob)
        Fs.append(F(v, k).mean()); acts.append(v.mean())
        S.append(down(v))
    S = np.vstack(S); pred = c.predict(S); lab = np.repeat(np.arange(10), per)
    pl = [(pred[lab == k] == k).mean() for k in range(10)]
    print(f"{tag:40s} recog {np.mean(pl):.2f} min {min(pl):.1f} hist {np.bincount(pred, minlength=10)} F {np.mean(Fs):.0f} act {np.mean(acts):.3f} ({time.time()-t:.0f}s)", flush=True)
    return S
print("data: F(pen,y) mean %.0f  F(pen, wrong) %.0f" % (np.mean([F(pen[y==k][:100], k).mean() for k in range(10)]), np.mean([F(pen[y==k][:100], (k+1)%10).mean() for k in range(10)])))
noise = lambda k, n: (rng.random((n, d)) < 0.5).astype(float)
meaninit = lambda k, n: (rng.random((n, d)) < cm[k]).astype(float)
def datainit(k, n):
    idx = rng.choice(np.flatnonzero(y == k), n, replace=False); return (rng.random((n, d)) < pen[idx]).astype(float)
for steps in (0, 1, 10, 100, 1000):
    run(f"noise init, {steps} steps", noise, steps)
run("noise init, 1000 steps, final probs", noise, 1000, True)
for steps in (0, 10, 100, 1000):
    run(f"class-mean init, {steps} steps", meaninit, steps)
run("class-mean init, 1000, final probs", meaninit, 1000, True)
for steps in (0, 100, 1000):
    run(f"data up-pass init, {steps} steps", datainit, steps)
