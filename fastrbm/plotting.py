"""Pictures without dependencies: grey-scale PNG writing and image grids.

PNGs are written with zlib alone, so pictures work on a bare install;
matplotlib (the ``plot`` extra) is only needed for line plots.
"""
import math
import os
import struct
import zlib

import numpy as np

__all__ = ["write_png", "read_png", "tile_images", "save_image_grid", "pad_to_square"]


def _chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(path, image):
    """Write a 2-D uint8 array (grey-scale) as an 8-bit PNG file."""
    image = np.asarray(image)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(f"write_png needs a 2-D uint8 array, got shape {image.shape} dtype {image.dtype}")
    height, width = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))  # filter 0 per row
    png = (b"\x89PNG\r\n\x1a\n"
           + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + _chunk(b"IDAT", zlib.compress(raw, 9))
           + _chunk(b"IEND", b""))
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(png)
    os.replace(tmp, path)
    return os.fspath(path)


def read_png(path):
    """Read an 8-bit grey-scale PNG written by :func:`write_png` (for tests and round trips)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, width, height = 8, b"", None, None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if tag == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour != 0:
                raise ValueError(f"{path}: only 8-bit grey-scale PNGs are supported")
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width + 1)
    if np.any(rows[:, 0] != 0):
        raise ValueError(f"{path}: filtered PNG rows are not supported")
    return rows[:, 1:].copy()


def tile_images(images, image_shape=(28, 28), n_cols=None, gap=2, scale_each=False, background=255):
    """Arrange ``images`` of shape (n, h*w) into one uint8 grid (dark ink on white).

    Values are taken in [0, 1] (1 = ink) unless ``scale_each``, which maps each
    tile's own min..max onto the range (for weight filters of either sign).
    """
    images = np.asarray(images, dtype=np.float64)
    h, w = image_shape
    images = images.reshape(len(images), h, w)
    n = len(images)
    if n == 0:
        raise ValueError("no images to tile")
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    if scale_each:
        lo = images.min(axis=(1, 2), keepdims=True)
        hi = images.max(axis=(1, 2), keepdims=True)
        images = (images - lo) / np.where(hi > lo, hi - lo, 1.0)
    images = np.clip(images, 0.0, 1.0)
    grid = np.full((n_rows * (h + gap) + gap, n_cols * (w + gap) + gap), background, dtype=np.uint8)
    for k in range(n):
        r, c = divmod(k, n_cols)
        y, x = gap + r * (h + gap), gap + c * (w + gap)
        grid[y:y + h, x:x + w] = np.round(255 * (1.0 - images[k])).astype(np.uint8)
    return grid


def save_image_grid(path, images, image_shape=(28, 28), n_cols=None, gap=2, scale_each=False, zoom=2):
    """Save ``images`` (n, h*w) as a PNG grid, each pixel drawn ``zoom`` x ``zoom`` so it is legible."""
    grid = tile_images(images, image_shape, n_cols, gap, scale_each)
    if zoom > 1:
        grid = np.kron(grid, np.ones((zoom, zoom), dtype=np.uint8))
    return write_png(path, grid)


def pad_to_square(images):
    """Images (n, N) padded with background to (n, s*s), s = ceil(sqrt(N)): any vector can then
    be drawn as a square tile. Returns (images, (s, s)); unchanged when N is a square."""
    side = math.isqrt(images.shape[1] - 1) + 1
    if side * side == images.shape[1]:
        return images, (side, side)
    out = np.zeros((len(images), side * side), dtype=images.dtype)
    out[:, :images.shape[1]] = images
    return out, (side, side)
