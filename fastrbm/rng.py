"""The shared counter-based random stream, as models use it.

All randomness in fastrbm comes from ``uniform(key, counter)`` (defined in
``fastrbm.kernels.reference.rng``: SplitMix64 of ``key + counter * golden``).
A model owns a :class:`KeyStream`: every sampling call takes the next key
from it, so the same seed gives the same draws on every backend, for any
thread count.
"""
import numpy as np

from .kernels.reference.rng import splitmix64, uniform

__all__ = ["KeyStream", "seed_from_random_state", "uniform"]

MASK64 = (1 << 64) - 1


def mix64(value):
    """SplitMix64 finaliser of a Python int (mod 2**64), as an int."""
    with np.errstate(over="ignore"):
        return int(splitmix64(np.array([value & MASK64], dtype=np.uint64))[0])


def seed_from_random_state(random_state):
    """A 64-bit seed from ``None`` (fresh entropy), an int, or a ``numpy.random.Generator``."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state must be None, an int or a numpy.random.Generator, not a bool")
    if isinstance(random_state, (int, np.integer)):
        return int(random_state) & MASK64
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63, dtype=np.int64))
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, not {type(random_state).__name__}"
    )


class KeyStream:
    """Successive 64-bit keys for sampling calls, derived from one seed.

    Key ``n`` is ``mix64(mix64(seed) + n)``: distinct calls get unrelated
    streams, and the sequence is reproducible from ``(seed, counter)``,
    which is all a saved model needs to store to resume it.
    """

    def __init__(self, seed, counter=0):
        self.seed = int(seed) & MASK64
        self.counter = int(counter)
        self._base = mix64(self.seed)

    def next_key(self):
        """The key for the next sampling call (advances the stream)."""
        key = mix64(self._base + self.counter)
        self.counter += 1
        return key

    def state(self):
        return {"seed": self.seed, "counter": self.counter}
