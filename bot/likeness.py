"""Near-duplicate photos: does a new photo repeat one kept in another record?

People copy a photo by cropping a little off, moving it sideways (a screenshot's margin),
resizing and saving it again, perhaps a little brighter. A hash of the whole frame changes with
the frame: the 64-bit difference hash used before moved 7 bits when 2 % was cropped off one
edge, and 20 or more at 5 %, as many as between two different photos of similar scenes.

So each photo keeps a *signature*: the brightness gradients (left to right and top to bottom) of
the central 85 % of its thumbnail on a 10 x 10 grid, normalised. A new photo is read through 25
*probes*: the same signature with the window moved by up to 5 % of the frame each way, in steps
of 2.5 %. Whichever way a copy was cut or moved, one probe lines up with the stored window to
within about 1.25 %, and the *likeness* (the best correlation of a probe with a stored
signature: 1 is the same picture) stays high; the probes are taken on the new photo only, so a
crop of an earlier photo and the original of an earlier crop are both found. Gradients, not
brightness: photos of similar scenes share a bright sky over dark ground, which correlates
strongly whatever is in them; edges (buildings, windows, cars) tell them apart. What was
measured is in tests/test_near_duplicates.py.

The signature is stored as 220 signed bytes (scaled to the largest gradient). Comparing a new
photo with 10,000 stored ones is one 25 x 220 by 220 x 10,000 matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = [
    "GRID",
    "SIGNATURE_BYTES",
    "Earlier",
    "IndexedPhoto",
    "SignatureIndex",
    "dhash",
    "hamming",
    "likeness",
    "probes",
    "signature",
]

GRID = 10  # gradients per row and column
WINDOW = 0.85  # share of the width and height a signature covers, centred
SHIFT = 0.05  # how far a probe's window moves each way, as a share of the frame
STEPS = 5  # probe positions per direction: -5 %, -2.5 %, 0, 2.5 %, 5 %
SIGNATURE_BYTES = 2 * GRID * (GRID + 1)

_MASK64 = (1 << 64) - 1

Floats = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]


def _gradients(grey: Image.Image, dx: float, dy: float) -> Floats:
    """The unit-length gradient vector of the window centred at (0.5 + dx, 0.5 + dy)."""
    width, height = grey.size
    half = WINDOW / 2
    box = (
        width * (0.5 + dx - half),
        height * (0.5 + dy - half),
        width * (0.5 + dx + half),
        height * (0.5 + dy + half),
    )
    cells = grey.resize((GRID + 1, GRID + 1), Image.Resampling.BOX, box=box)
    a = np.frombuffer(cells.tobytes(), np.uint8).astype(np.float32).reshape(GRID + 1, GRID + 1)
    vector = np.concatenate([(a[:, 1:] - a[:, :-1]).ravel(), (a[1:, :] - a[:-1, :]).ravel()])
    return _unit(vector)


def _unit(vectors: Floats) -> Floats:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    # A flat picture has no gradients at all: it stays zero and is like nothing.
    unit: Floats = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return unit


def _quantise(vectors: Floats) -> bytes:
    peak = np.abs(vectors).max(axis=-1, keepdims=True)
    scaled = np.divide(127 * vectors, peak, out=np.zeros_like(vectors), where=peak > 0)
    return bytes(np.rint(scaled).astype(np.int8).tobytes())


def _vectors(blob: bytes) -> Floats:
    return _unit(np.frombuffer(blob, np.int8).reshape(-1, SIGNATURE_BYTES).astype(np.float32))


def signature(thumb: Image.Image) -> bytes:
    """What is kept of a photo for later comparisons: its central window's gradients."""
    return _quantise(_gradients(thumb.convert("L"), 0.0, 0.0))


def probes(thumb: Image.Image) -> bytes:
    """The windows a new photo is compared through, moved up to SHIFT each way."""
    grey = thumb.convert("L")
    offsets = np.linspace(-SHIFT, SHIFT, STEPS)
    return _quantise(np.stack([_gradients(grey, dx, dy) for dy in offsets for dx in offsets]))


def likeness(
    new_probes: bytes, stored: Sequence[bytes] | Floats, among: Bools | None = None
) -> float:
    """The best likeness (-1 to 1) of a new photo to any stored signature; 0 if there is none.

    `stored`: signatures as kept, or already as unit rows (SignatureIndex); `among`: which rows
    count (all when None). Masking the scores is cheaper than copying the chosen rows.
    """
    matrix = stored if isinstance(stored, np.ndarray) else _vectors(b"".join(stored))
    if not len(matrix):
        return 0.0
    scores = (_vectors(new_probes) @ matrix.T).max(axis=0)
    if among is not None:
        scores = scores[among]
    return float(max(0.0, scores.max())) if len(scores) else 0.0


@dataclass(frozen=True, slots=True)
class Earlier:
    """The photos of other records a new photo is compared with.

    `legacy_hashes`: the 64-bit difference hashes of photos stored before signatures were kept
    (migration 0006); they are compared the old way, by `legacy_distance` differing bits.
    """

    signatures: Sequence[bytes] | Floats = ()
    legacy_hashes: Sequence[int] = ()
    among: Bools | None = None  # which of `signatures` count; None: all

    def repeated_by(
        self, new_probes: bytes, new_dhash: int, *, min_likeness: float, legacy_distance: int
    ) -> bool:
        if likeness(new_probes, self.signatures, self.among) >= min_likeness:
            return True
        return any(hamming(new_dhash, old) <= legacy_distance for old in self.legacy_hashes)


@dataclass(frozen=True, slots=True)
class IndexedPhoto:
    """What the index keeps of a stored photo: its record and how it is compared."""

    id: int
    item_id: int | None
    visit_id: int | None
    phash: int
    signature: bytes | None  # None: stored before signatures were kept


class SignatureIndex:
    """Every stored photo's signature as one matrix of unit rows, kept between new photos.

    Reading 10,000 signatures from the database and making the matrix cost more than comparing
    with it (31 and 15 ms a photo). Stored photos never change, they are only added or deleted:
    the owner adds the rows stored after `last_id`, and clears the index when the database's
    count of deleted photos (`deletions`, kept by a trigger: migration 0006) has moved.
    """

    def __init__(self) -> None:
        self.clear(deletions=-1)

    def clear(self, *, deletions: int) -> None:
        self.deletions = deletions
        self.last_id = 0
        self._items = np.empty(0, np.int64)  # -1: not an item's photo
        self._visits = np.empty(0, np.int64)
        self._hashes = np.empty(0, np.int64)
        self._signed = np.empty(0, np.bool_)
        self._matrix: Floats = np.empty((0, SIGNATURE_BYTES), np.float32)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, rows: Sequence[IndexedPhoto]) -> None:
        rows = [row for row in rows if row.id > self.last_id]
        if not rows:
            return
        blank = bytes(SIGNATURE_BYTES)  # a zero row is like nothing
        matrix = _vectors(b"".join(row.signature or blank for row in rows))
        self._matrix = np.concatenate([self._matrix, matrix])
        self._items = np.append(self._items, [-1 if r.item_id is None else r.item_id for r in rows])
        self._visits = np.append(
            self._visits, [-1 if r.visit_id is None else r.visit_id for r in rows]
        )
        self._hashes = np.append(self._hashes, [r.phash for r in rows])
        self._signed = np.append(self._signed, [r.signature is not None for r in rows])
        self.last_id = max(row.id for row in rows)

    def elsewhere(self, *, item_id: int | None, visit_id: int | None) -> Earlier:
        """The photos of every record but this item (or this visit); for a photo of neither (a
        unit's progress report), every item's and visit's. Progress photos are not compared with
        each other: a unit's month-on-month pictures of one building site look alike on purpose."""
        if item_id is not None:
            others = self._items != item_id
        elif visit_id is not None:
            others = self._visits != visit_id
        else:
            others = (self._items != -1) | (self._visits != -1)
        legacy = self._hashes[others & ~self._signed]
        return Earlier(self._matrix, [int(h) for h in legacy], others & self._signed)


# --------------------------------------------------------------------------- the legacy hash


def dhash(im: Image.Image) -> int:
    """64-bit difference hash, folded into the signed range so SQLite INTEGER can hold it.

    Photos stored before signatures existed have only this; they are still compared by it.
    """
    # Shrinking in RGB first and converting 72 pixels is cheaper than converting the whole copy.
    grey = im.resize((9, 8), Image.Resampling.BOX).convert("L")
    pixels = grey.tobytes()
    value = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            value = (value << 1) | (right > left)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes, signed or unsigned."""
    return ((a ^ b) & _MASK64).bit_count()
