"""Write site_src/lrcalc/data/digits.py: 1,000 of scikit-learn's 8x8 digits, compressed.

    tests/reference/finder/.venv/bin/python tests/reference/finder/make_digits_data.py

The first 100 images of each class, in the dataset's own order, stored as one
byte per label then 64 bytes (pixel values 0..16) per image, zlib-compressed
and base64-encoded in a Python module: the page's archive carries only ``.py``
files, so the data travels as Python source. The data is the UCI "Optical
Recognition of Handwritten Digits" test set as bundled by scikit-learn
(``sklearn.datasets.load_digits``), licensed CC BY 4.0.
"""

import base64
import textwrap
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

PER_CLASS = 100
OUT = Path(__file__).resolve().parents[3] / "site_src" / "lrcalc" / "data" / "digits.py"


def main() -> None:
    """Select, pack, compress and write the module."""
    digits = load_digits()
    x, y = digits.data.astype(np.uint8), digits.target.astype(np.uint8)
    keep = np.sort(np.concatenate([np.flatnonzero(y == k)[:PER_CLASS] for k in range(10)]))
    payload = bytes(y[keep]) + bytes(x[keep].ravel())
    encoded = base64.b64encode(zlib.compress(payload, 9)).decode()
    lines = "\n".join(f'    "{line}"' for line in textwrap.wrap(encoded, 100))
    OUT.write_text(
        f'''"""{len(keep):,} of the 8x8 handwritten digits, for the pure-Python range test.

The first {PER_CLASS} images of each digit from the UCI "Optical Recognition of
Handwritten Digits" data set (Alpaydin and Kaynak, 1998; licence CC BY 4.0), as
bundled with scikit-learn (``sklearn.datasets.load_digits``). Written by
``tests/reference/finder/make_digits_data.py``; see README.md in this folder.

The payload is base64 of zlib: {len(keep)} label bytes, then 64 pixel bytes
(0..16, row by row) per image.
"""

import base64
import zlib

COUNT = {len(keep)}
PIXELS = 64
PAYLOAD = (
{lines}
)


def load() -> tuple[list[list[int]], list[int]]:
    """The images as lists of 64 pixel values 0..16, and their labels 0..9."""
    raw = zlib.decompress(base64.b64decode(PAYLOAD))
    labels = list(raw[:COUNT])
    pixels = raw[COUNT:]
    return [list(pixels[i * PIXELS : (i + 1) * PIXELS]) for i in range(COUNT)], labels
'''
    )
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(keep)} images)")


if __name__ == "__main__":
    main()
