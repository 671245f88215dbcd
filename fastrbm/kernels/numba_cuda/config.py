"""Launch configuration; tests patch these to exercise partial blocks."""
THREADS_PER_BLOCK = 256
MAX_BLOCKS = 1024


def grid_1d(n):
    """(blocks, threads) for a grid-stride loop over n items."""
    blocks = max(1, min(MAX_BLOCKS, (n + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK))
    return blocks, THREADS_PER_BLOCK
