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
    return sheet, f"{match['col'].upper()}{int(match['row'])}"


@functools.lru_cache(maxsize=1 << 16)
def position(ref: str | None) -> tuple[int, int] | None:
    """``cell_index`` for a cell's ``r`` attribute, None when absent or not a plain reference (cached:
    every file of a batch has the same cells)."""
    return cell_index(ref) if ref is not None and _CELL_RE.fullmatch(ref) else None


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
