"""Cell references: ``'申报表'!$B$4`` in defined names and ``B4`` in worksheet XML, to (row, column)."""

from __future__ import annotations

import functools
import re

_REF_RE = re.compile(
    r"(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!:\[\]*?/\\]+))!"
    r"\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>[0-9]{1,7})"
    r"(?::\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?"
)
_CELL_RE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
MAX_ROW = 1_048_576
MAX_COL = 16_384
"""Excel's grid: a reference outside it is not a cell (a crafted file may still write one)."""


@functools.lru_cache(maxsize=1 << 14)  # the same references recur in every file of a batch
def parse_ref(text: str) -> tuple[str, str] | None:
    """``'申报表'!$B$4`` → ``("申报表", "B4")``; a range gives its top-left cell (a merged input).

    ``None`` for anything else: external references, several areas, whole rows or columns, ``#REF!``,
    constants and formulas.
    """
    match = _REF_RE.fullmatch(text.strip())
    if match is None:
        return None
    sheet = match["quoted"].replace("''", "'") if match["quoted"] is not None else match["plain"]
    cell = f"{match['col'].upper()}{int(match['row'])}"
    return (sheet, cell) if _in_grid(cell) else None


def _in_grid(cell: str) -> bool:
    row, column = cell_index(cell)
    return 1 <= row <= MAX_ROW and column <= MAX_COL


@functools.lru_cache(maxsize=1 << 16)
def position(ref: str) -> tuple[int, int] | None:
    """``cell_index`` for a cell's ``r`` attribute; None when it is not a plain reference inside Excel's
    grid (``B99999999``, ``ZZZZ1``, ``A0``, empty): the caller must refuse it, since a reader that did
    not bound it might allocate rows up to it (cached: every file of a batch has the same cells)."""
    return cell_index(ref) if _CELL_RE.fullmatch(ref) and _in_grid(ref) else None


@functools.lru_cache(maxsize=1 << 16)
def cell_index(cell: str) -> tuple[int, int]:
    """``B4`` → ``(4, 2)`` (1-based row and column)."""
    match = _CELL_RE.fullmatch(cell)
    if match is None:
        raise ValueError(f"not a cell reference: {cell!r}")
    column = 0
    for ch in match[1]:
        column = column * 26 + ord(ch) - 64
    return int(match[2]), column
