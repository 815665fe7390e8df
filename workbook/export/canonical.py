"""The canonical form of an exported declaration, its digest and the verification code (校验码).

An export embeds one JSON document: the declaration as read (inputs), the engine's results (rewards
rounded to the fen), the policy id and version, the tool version, the errors a forced export carried, and
the canonical value of every named cell of the export. ``canonical_json`` writes it one way only: keys
sorted, no whitespace, UTF-8, ``Decimal`` as a string with two decimals (more only when the value carries
digits beyond the fen; nothing is rounded here), dates in ISO form. The 校验码 is the first 64 bits of the
SHA-256 of that text, as ``XXXX-XXXX-XXXX-XXXX``.

``cell_text`` turns a cell's value into the same canonical text, whether it is the value the export
wrote (``Decimal``, ``date``, ``str``) or what a reader finds later (openpyxl's ``float``, ``datetime``),
so ``xlmv verify`` compares like with like and names every changed cell.

This is tamper *evidence* for accidental or casual edits, not a signature: there is no secret key, so
anyone who edits the embedded JSON and recomputes the digest can forge a consistent file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from xlmv.money import FEN

FORMAT = "xlmv-export"
FORMAT_VERSION = "1"

CellKind = Literal["text", "money", "wan", "int", "date", "rate"]
"""How a named cell's value is written and compared: text, yuan, 万元, an integer, a date, a ratio."""

NUMERIC_KINDS: frozenset[str] = frozenset({"money", "wan", "int", "rate"})


@dataclass(frozen=True)
class NamedCell:
    """One value cell of an export: its defined name, where it was written, its kind and canonical value."""

    name: str
    sheet: str
    cell: str
    kind: CellKind
    value: str  # canonical text, "" when the cell is empty

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.cell}"

    def as_json(self) -> dict[str, str]:
        return {"ref": self.ref, "kind": self.kind, "value": self.value}


def decimal_text(value: Decimal) -> str:
    """``Decimal("3000000")`` → ``"3000000.00"``; digits beyond the fen are kept, never rounded away."""
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    fen = value.quantize(FEN)
    if fen == value:
        return "0.00" if fen.is_zero() else str(fen)
    return format(value.normalize(), "f")


def _number(value: int | float | Decimal) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def cell_text(kind: CellKind, value: object) -> str:
    """The canonical text of a cell's value as written or as read back (``None`` and ``""`` → ``""``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        number = _number(value)
        if not number.is_finite():
            return str(value)
        if kind in ("int", "text") and number == number.to_integral_value():
            return str(int(number))
        if kind == "text":
            return format(number.normalize(), "f")
        return decimal_text(number)
    return str(value)


def plain(value: Any) -> Any:
    """A JSON-ready copy: ``Decimal`` → ``decimal_text``, dates → ISO, enums → their value, tuples → lists."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return decimal_text(Decimal(repr(value)))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(document: Mapping[str, Any]) -> str:
    """The one serialisation the digest is taken over: sorted keys, no whitespace, non-ASCII kept."""
    return json.dumps(plain(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(text: str) -> str:
    """SHA-256 of the canonical text (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verification_code(text: str) -> str:
    """The 校验码 shown on the form: the digest's first 64 bits as ``XXXX-XXXX-XXXX-XXXX``."""
    head = digest(text)[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, 16, 4))


def cells_json(cells: list[NamedCell]) -> dict[str, dict[str, str]]:
    """The ``cells`` section of the document: defined name → ref, kind and canonical value."""
    return {c.name: c.as_json() for c in cells}
