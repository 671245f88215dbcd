import time
import numpy as np
sig = lambda x: 1 / (1 + np.exp(-x))
class Ev:
    def __init__(self, dbn, c, pen, y, seed=0):
        self.dbn, self.c, self.pen, self.y = dbn, c, pen, y
        self.rng = np.random.default_rng(seed)
        self.set_top(dbn.top_W_, dbn.top_b_, dbn.top_c_)
    def set_top(self, W, b, cc):
        self.W, self.b, self.cc = W.astype(np.float64), b.astype(np.float64), cc.astype(np.float64)
        self.d = self.W.shape[0] - 10
        self.cm = np.array([self.pen[self.y == k].mean(0) for k in range(10)])
    def down(self, p):
        for G, g in zip(reversed(self.dbn.gen_weights_), reversed(self.dbn.gen_biases_)):
            p = sig(p @ G.T + g)
        return p
    def chain(self, v, label, n_steps, final_prob=False):
        W, d, rng = self.W, self.d, self.rng
        ce = self.cc + W[d + label]
        pv = v
        for t in range(n_steps):
            h = (rng.random((len(v), W.shape[1])) < sig(v @ W[:d] + ce)).astype(float)
            pv = sig(h @ W[:d].T + self.b[:d])
            v = (rng.random(pv.shape) < pv).astype(float)
        return pv if final_prob else v
    def F(self, v, label):
        x = v @ self.W[:self.d] + self.cc + self.W[self.d + label]
        return -(v @ self.b[:self.d]) - np.logaddexp(0, x).sum(1)
    def run(self, tag, init, n_steps, final_prob=False, per=10):
        t = time.time(); S = []; Fs = []; acts = []
        for k in range(10):
            if init == "noise":
                v = (self.rng.random((per, self.d)) < 0.5).astype(float)
            else:
                v = (self.rng.random((per, self.d)) < self.cm[k]).astype(float)
            v = self.chain(v, k, n_steps, final_prob)
            Fs.append(self.F(v, k).mean()); acts.append(v.mean())
            S.append(self.down(v))
        S = np.vstack(S); pred = self.c.predict(S); lab = np.repeat(np.arange(10), per)
        pl = [(pred[lab == k] == k).mean() for k in range(10)]
        Fd = np.mean([self.F(self.pen[self.y == k][:100], k).mean() for k in range(10)])
        print(f"{tag:40s} recog {np.mean(pl):.2f} min {min(pl):.1f} hist {np.bincount(pred, minlength=10)} F {np.mean(Fs):.0f} (data {Fd:.0f}) act {np.mean(acts):.3f} ({time.time()-t:.0f}s)", flush=True)
        return S, pl
