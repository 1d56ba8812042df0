#!/usr/bin/env python3
"""Draws docs/images/icon.png, the package icon (128x128 RGBA), with the standard library only.

Two sockets (rings) joined by a connection on a rounded blue square. Run it again after changing it;
the PNG is committed so that a build needs no Python.
"""
import math
import struct
import sys
import zlib

SIZE = 128
BLUE = (31, 78, 121)
WHITE = (255, 255, 255)


def coverage(dist_outside):
    """Anti-aliased coverage of a pixel whose centre lies dist_outside beyond a shape's edge."""
    return max(0.0, min(1.0, 0.5 - dist_outside))


def rounded_square(x, y, radius=22):
    cx = min(max(x, radius), SIZE - radius)
    cy = min(max(y, radius), SIZE - radius)
    return math.hypot(x - cx, y - cy) - radius


def ring(x, y, cx, cy, r, width):
    return abs(math.hypot(x - cx, y - cy) - r) - width / 2


def bar(x, y, x0, x1, cy, half):
    dx = max(x0 - x, 0, x - x1)
    dy = max(abs(y - cy) - half, 0)
    return math.hypot(dx, dy) if dx or dy else -min(x - x0, x1 - x, half - abs(y - cy))


def pixel(px, py):
    x, y = px + 0.5, py + 0.5
    alpha = coverage(rounded_square(x, y))
    white = max(
        coverage(ring(x, y, 36, 64, 18, 9)),
        coverage(ring(x, y, 92, 64, 18, 9)),
        coverage(bar(x, y, 54, 74, 64, 4.5)),
        coverage(math.hypot(x - 36, y - 64) - 5),
        coverage(math.hypot(x - 92, y - 64) - 5),
    )
    rgb = tuple(round(b + (w - b) * white) for b, w in zip(BLUE, WHITE))
    return rgb + (round(255 * alpha),)


def main(path):
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/images/icon.png")
