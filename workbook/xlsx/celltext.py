"""Excel's limit on a cell's text: 32,767 UTF-16 code units, as Excel counts them (a character outside
the Basic Multilingual Plane, such as 𠀀 or an emoji, takes two), not Python characters."""

from __future__ import annotations

MAX_CELL_UNITS = 32_767


def utf16_units(text: str) -> int:
    """How many UTF-16 code units Excel counts for ``text``."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def fits(text: str) -> bool:
    return utf16_units(text) <= MAX_CELL_UNITS


def truncate(text: str, limit: int = MAX_CELL_UNITS, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in ``ellipsis`` when cut (never half a
    surrogate pair)."""
    if utf16_units(text) <= limit:
        return text
    budget = limit - utf16_units(ellipsis)
    out, used = [], 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > budget:
            break
        out.append(ch)
        used += units
    return "".join(out) + ellipsis


def chunks(text: str, limit: int) -> list[str]:
    """``text`` split into pieces of at most ``limit`` UTF-16 units each (never inside a pair)."""
    pieces, current, used = [], [], 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > limit:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += units
    if current:
        pieces.append("".join(current))
    return pieces
