"""What every identifier module shares: the error it raises and how an Excel value becomes text."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Callable
from importlib.resources import files

from xlmv.errors import InputError

__all__ = [
    "IdentifierError",
    "accepts",
    "as_text",
    "fold_dashes",
    "normalise",
    "read_csv",
    "shown",
    "strip_invisible",
]

# Characters that survive NFKC and strip() but are never meaningful inside an identifier.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Dash look-alikes that NFKC leaves alone (U+FF0D is already folded to "-" by NFKC).
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")


class IdentifierError(InputError):
    """An identifier that does not validate. ``problem`` is the Chinese phrase a cell or a finding shows
    (it quotes what was typed where that helps); ``message()`` adds the field and what is expected."""

    def __init__(self, problem: str, value: object, expected: str, *, field: str) -> None:
        self.problem = problem
        super().__init__(problem, value, expected, field=field)

    def short(self) -> str:
        return self.problem


def accepts(validate: Callable[[object], object], value: object) -> bool:
    """Whether ``validate`` accepts the value: every module's ``is_valid``."""
    try:
        validate(value)
    except IdentifierError:
        return False
    return True


def as_text(value: object) -> str:
    """Excel/COM value → text as meant: ``None`` → ``""``, ``13800138000.0`` → ``"13800138000"``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def strip_invisible(text: str) -> str:
    return text.translate(_INVISIBLE).strip()


def normalise(value: object) -> str:
    """NFKC (full-width → ASCII), invisible characters removed, surrounding whitespace stripped."""
    return strip_invisible(unicodedata.normalize("NFKC", as_text(value)))


def fold_dashes(text: str) -> str:
    return text.translate(_DASHES)


def shown(value: object) -> str:
    """What the user typed, quoted for a message (``'X99'``; numbers from Excel without ``.0``)."""
    return repr(as_text(value).strip())


def read_csv(name: str) -> list[dict[str, str]]:
    text = files("xlmv.data").joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))
