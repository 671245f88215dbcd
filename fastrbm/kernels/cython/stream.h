/* Constants of the counter-based stream (stream.pxi, fastrbm/kernels/reference/rng.py), shared by
   the Cython modules (through stream.pxi) and the C headers beside them. */
#ifndef FASTRBM_STREAM_H
#define FASTRBM_STREAM_H

/* SplitMix64's increment: counter c of key k hashes the pre-hash k + c * GOLDEN. */
#define FASTRBM_GOLDEN 0x9E3779B97F4A7C15ULL

#endif /* FASTRBM_STREAM_H */
