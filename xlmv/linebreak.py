"""Line breaks for Chinese text by display width: printed paragraphs (the commitment letter, the export's
测算依据) and the terminal help.

Excel breaks Chinese text by the East Asian rules (no line starts with "、" or "）"), but LibreOffice Calc
breaks a run without spaces wherever it overflows, so a printed line may start with "、工业" or a lone
"）". ``wrap`` puts the breaks in the text itself: greedy lines of at most ``limit`` display columns,
never starting with closing punctuation nor ending with opening punctuation, never inside a Latin word or
number nor between a number and its unit ("2024-2025", "beijing-2024@2024.1", "2024年"). Display width counts East Asian wide, full-width and
ambiguous characters (“ ” …) as 2, as a CJK font prints them.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["NO_END", "NO_START", "display_width", "wrap"]

NO_START = frozenset("、，。；：！？）》〉」』】〕”’…—·％,.;:!?)]}%")
"""Characters a line never starts with (closing punctuation)."""
NO_END = frozenset("（《〈「『【〔“‘([{")
"""Characters a line never ends with (opening punctuation)."""

_ATOM = re.compile(r"[\x21-\x7e]+|\s|.", re.S)  # a Latin word/number (no spaces), one space, one character


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _units(paragraph: str) -> list[str]:
    """Unbreakable pieces: closing punctuation glued to what precedes it, opening to what follows."""
    units: list[str] = []
    pending = ""  # opening punctuation waiting for the next piece
    for atom in _ATOM.findall(paragraph):
        if pending:
            pending += atom
            if atom not in NO_END:
                units.append(pending)
                pending = ""
        elif atom in NO_END:
            pending = atom
        elif units and (atom[0] in NO_START or _joined(units[-1], atom)):
            units[-1] += atom
        else:
            units.append(atom)
    if pending:
        units.append(pending)
    return units


def _joined(before: str, atom: str) -> bool:
    """Spaces stay together; a number or Latin word keeps the character after it ("2024年", "500万")."""
    if atom.isspace():
        return before.isspace()
    return before[-1].isascii() and before[-1].isalnum()


def wrap(text: str, limit: int) -> str:
    """``text`` with a newline wherever a line would exceed ``limit`` display columns (kept paragraphs)."""
    if limit < 4:
        raise ValueError(f"line width too small: {limit}")
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for unit in _units(paragraph):
            if line and display_width(line + unit) > limit and not line.isspace():
                out.append(line.rstrip(" "))
                line = unit.lstrip(" ")
            else:
                line += unit
        out.append(line)
    return "\n".join(out)
