"""Full-MNIST likelihood check (20+ minutes): ``pytest -m "mnist and slow" -s tests/test_rbm_mnist.py``.

Skipped unless ``-m`` selects ``slow``, so a plain ``pytest`` stays fast. Data are binarised at 0.5
(deterministic), which gives higher log-likelihoods than the stochastic binarisation of the papers.
"""
import time

import numpy as np
import pytest

import fastrbm
from fastrbm.datasets import load_mnist
from fastrbm.datasets import find_real_mnist


@pytest.mark.slow
@pytest.mark.mnist
def test_pcd_784_500_reaches_minus_100_nats(request):
    if "slow" not in (request.config.getoption("markexpr") or "") or "not slow" in request.config.getoption("markexpr"):
        pytest.skip("20+ minutes: select it with -m slow (or -m 'mnist and slow')")
    directory = find_real_mnist()
    if directory is None:
        pytest.skip("real MNIST files absent (set FASTRBM_DATA)")
    train = (load_mnist("train", source="idx", data_dir=directory)[0] > 0.5).astype(np.float32)
    test = (load_mnist("test", source="idx", data_dir=directory)[0] > 0.5).astype(np.float32)
    n_epochs = 30
    start = time.perf_counter()
    rbm = fastrbm.RBM(500, persistent=True, batch_size=100, learning_rate=0.05, weight_decay=2e-4,
                      random_state=0, n_epochs=0)
    rbm.fit(train)
    for epoch in range(n_epochs):  # learning rate decays linearly to zero (Tieleman 2008)
        rbm.set_params(learning_rate=0.05 * (1 - epoch / n_epochs))
        rbm.partial_fit(train)
    train_time = time.perf_counter() - start
    start = time.perf_counter()
    log_z, std = rbm.log_partition("ais", n_betas=14500, n_runs=100, base_data=train, return_std=True)
    ll = rbm.log_likelihood(test, log_z=log_z)
    print(f"\nPCD 784-500, {n_epochs} epochs in {train_time:.0f} s on {rbm._K.name}; "
          f"AIS log Z = {log_z:.2f} +- {3 * std:.2f} (3 s.e.) in {time.perf_counter() - start:.0f} s; "
          f"test log-likelihood {ll:.2f} nats; recon {rbm.history_[-1]['reconstruction_error']:.4f}")
    assert ll > -100
