"""Parsing of values typed into Excel cells: money amounts, dates and approved ratios.

This module owns turning whatever a cell hands over (COM ints, floats and error codes, ``datetime``
objects, or free text typed by finance staff, half- or full-width) into exact values: ``Decimal`` yuan
quantized to the fen, ``datetime.date`` and ``Decimal`` ratios in [0, 1]. It also formats amounts back for
display (``format_yuan``, ``format_wan``). Every rejection is an ``InputError`` whose message shows what was
typed and what would have been accepted. All functions are pure: no I/O, no global state.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from decimal import ROUND_HALF_UP, Context, Decimal

from xlmv.errors import InputError

__all__ = [
    "AMOUNT_EXPECTED",
    "DATE_EXPECTED",
    "MAX_AMOUNT",
    "MAX_TEXT_LENGTH",
    "RATIO_EXPECTED",
    "excel_error_name",
    "is_blank",
    "parse_amount",
    "parse_date",
    "parse_optional_amount",
    "parse_optional_date",
    "parse_ratio",
    "plain_text",
]

AMOUNT_EXPECTED = "应为不小于 0 的金额（元），如 1200000、1,200,000.00、120万 或 0.012亿"
DATE_EXPECTED = "应为日期，如 2024-09-01、2024/9/1、2024年9月1日"
RATIO_EXPECTED = "应为 0 到 1 之间的小数或百分比，如 0.8 或 80%"

MAX_TEXT_LENGTH = 64
"""Longer cell texts are rejected before any pattern matching."""

MAX_AMOUNT = Decimal(10) ** 15
"""Largest accepted amount in yuan (1000万亿); keeps every computation far inside Decimal precision."""

_FEN = Decimal("0.01")
_FLOAT_NOISE = Decimal("0.000001")
_ZERO_NOISE = Decimal("1e-12")
_WAN = Decimal(10) ** 4
_YI = Decimal(10) ** 8
# Wide enough that no arithmetic on an accepted value (<= 64 typed characters) is ever rounded.
_CTX = Context(prec=120, rounding=ROUND_HALF_UP)

_FEN_EXPECTED = "金额最多精确到分（两位小数），如 1200000.50 或 120.5万"
_TOO_LARGE_EXPECTED = "金额不能超过 1000万亿 元，" + AMOUNT_EXPECTED
_SERIAL_EXPECTED = "Excel 日期序列号应在 1 到 2958465 之间（60 是 Excel 虚构的 1900-02-29），" + DATE_EXPECTED
_TOO_LONG_SUFFIX = f"（内容不能超过 {MAX_TEXT_LENGTH} 个字符）"
_NO_INNER_SPACE = "（数字之间不能有空格；上标、带圈数字等特殊字符不是数字）"

# Cell errors as pywin32 hands them over (VT_ERROR as a signed 32-bit HRESULT).
_EXCEL_ERROR_CODES: dict[int, str] = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
_EXCEL_ERROR_TEXTS: frozenset[str] = frozenset(_EXCEL_ERROR_CODES.values()) | {
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#UNKNOWN!",
    "#BUSY!",
    "#GETTING_DATA",
}

# All patterns are used with fullmatch on whitespace-free text of at most MAX_TEXT_LENGTH characters and
# contain no nested unbounded quantifiers. [0-9] rather than \d: \d also matches non-ASCII digits.
_AMOUNT_RE = re.compile(r"¥?(?P<num>(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)(?P<unit>[万亿])?元?")
_DATE_SEP_RE = re.compile(r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})")
_DATE_CN_RE = re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})日")
_DATE_COMPACT_RE = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_RATIO_RE = re.compile(r"(?P<num>[0-9]+(?:\.[0-9]+)?)(?P<pct>%)?")

_MINUS_SIGNS = ("-", "\u2212")  # ASCII hyphen-minus (also the fold of full-width －) and U+2212 MINUS SIGN

_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 0 for serials after Excel's fictitious 1900-02-29
_MAX_SERIAL = 2958465  # 9999-12-31


# --------------------------------------------------------------------------------------------- helpers


# Full-width forms (U+FF01–U+FF5E) fold to ASCII, the ideographic space to a space and the full-width yen
# sign to ¥. Nothing else is folded: NFKC would also turn ² into 2 and ① into 1.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " ", 0xFFE5: "¥"}
_SPACE_BETWEEN_DIGITS_RE = re.compile(r"[0-9.,]\s+[0-9.,]")


def _clean_text(text: str) -> str | None:
    """Fold full-width forms to ASCII and drop whitespace around the number, currency sign and unit.

    ``None`` when whitespace separates digits (``1 2 3``): such text is ambiguous, not an amount or date.
    """
    folded = text.translate(_FULL_WIDTH)
    if _SPACE_BETWEEN_DIGITS_RE.search(folded):
        return None
    return "".join(folded.split())


def is_blank(value: object) -> bool:
    """Whether a cell is empty: ``None`` or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def plain_text(value: object) -> str:
    """A cell's value as stripped text: blank is ``""``, a whole float (``2024.0``) is written as an integer."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def excel_error_name(value: object) -> str | None:
    """Name of the Excel error a cell value stands for, or ``None`` if it is not an error.

    Recognises the COM error integers (``-2146826281`` → ``#DIV/0!``) and error texts as displayed
    (``#N/A``, ``＃n/a``: full-width folded, case- and whitespace-insensitive).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _EXCEL_ERROR_CODES.get(value)
    if isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH:
        text = (_clean_text(value) or "").upper()
        if text in _EXCEL_ERROR_TEXTS:
            return text
    return None


def _reject_excel_error(value: object, field: str | None, expected: str) -> None:
    name = excel_error_name(value)
    if name is not None:
        shown = value if isinstance(value, str) else name  # a COM error code is shown as Excel shows it
        raise InputError(
            "单元格错误值", shown, f"单元格显示 Excel 错误 {name}，请先修正该单元格；{expected}", field=field
        )


# --------------------------------------------------------------------------------------------- amounts


def parse_amount(value: object, *, field: str | None = None) -> Decimal:
    """Parse a money amount in yuan, exact to the fen; returns a ``Decimal`` quantized to ``0.01``.

    Accepts non-negative ``int``, ``Decimal`` and ``float`` (Excel's COM values; float noise within 1e-6
    yuan, or 4 ulps, of a fen value is rounded away) and text such as ``1200000``, ``1,200,000.00``,
    ``¥1,200,000元``, ``120万``, ``120万元``, ``0.012亿元`` (full-width forms accepted; spaces only around
    the number, never between digits). A positive float below half a fen is rejected, not rounded to zero (only formula residue
    below 1e-12, such as ``0.1+0.2-0.3``, counts as zero).
    Raises ``InputError`` otherwise.
    """
    if type(value) is float and 0.0 < value <= MAX_AMOUNT:  # fast path: a plain number cell over COM
        exact = Decimal(repr(value))
        if exact.as_tuple().exponent >= -2:  # type: ignore[operator]  # finite, so an int exponent
            return exact.quantize(_FEN, context=_CTX)
    if is_blank(value):
        raise InputError("金额未填写", value, AMOUNT_EXPECTED, field=field)
    if isinstance(value, bool):
        raise InputError("金额无效", value, AMOUNT_EXPECTED, field=field)
    _reject_excel_error(value, field, AMOUNT_EXPECTED)

    if isinstance(value, numbers.Integral):
        return _finish_amount(Decimal(int(value)), value, field)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError("金额无效", value, AMOUNT_EXPECTED, field=field)
        exact = Decimal(repr(value))
        if exact < 0:
            raise InputError("金额不能为负数", value, AMOUNT_EXPECTED, field=field)
        if exact <= MAX_AMOUNT:
            nearest = exact.quantize(_FEN, rounding=ROUND_HALF_UP, context=_CTX)
            # 1e-6 yuan, or a few ulps for amounts so large (> ~8.6e9) that one ulp exceeds 1e-6.
            tolerance = max(_FLOAT_NOISE, Decimal(4 * math.ulp(value)))
            if nearest == 0:  # near zero only formula residue (=0.1+0.2-0.3) is noise; 1e-9 is an input
                tolerance = _ZERO_NOISE
            if abs(_CTX.subtract(exact, nearest)) <= tolerance:
                exact = nearest
        return _finish_amount(exact, value, field)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError("金额无效", value, AMOUNT_EXPECTED, field=field)
        return _finish_amount(value, value, field)
    if isinstance(value, str):
        if len(value) > MAX_TEXT_LENGTH:
            raise InputError("金额无效", value, AMOUNT_EXPECTED + _TOO_LONG_SUFFIX, field=field)
        text = _clean_text(value)
        if text is None:
            raise InputError("金额无效", value, AMOUNT_EXPECTED + _NO_INNER_SPACE, field=field)
        amount = _amount_from_text(text)
        if amount is None and text.startswith(_MINUS_SIGNS):
            magnitude = _amount_from_text(text[1:])
            if magnitude:
                raise InputError("金额不能为负数", value, AMOUNT_EXPECTED, field=field)
            amount = magnitude  # "-0" is just zero; None if the rest is no amount either
        if amount is None:
            raise InputError("金额无效", value, AMOUNT_EXPECTED, field=field)
        return _finish_amount(amount, value, field)
    raise InputError("金额无效", value, AMOUNT_EXPECTED, field=field)


def _amount_from_text(text: str) -> Decimal | None:
    """Exact (unquantized) yuan for whitespace-free, normalised text, or ``None`` if it is not an amount."""
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        return None
    number = Decimal(match["num"].replace(",", ""))
    unit = match["unit"]
    if unit == "万":
        return _CTX.multiply(number, _WAN)
    if unit == "亿":
        return _CTX.multiply(number, _YI)
    return number


def _finish_amount(amount: Decimal, original: object, field: str | None) -> Decimal:
    if amount < 0:
        raise InputError("金额不能为负数", original, AMOUNT_EXPECTED, field=field)
    if amount > MAX_AMOUNT:
        raise InputError("金额过大", original, _TOO_LARGE_EXPECTED, field=field)
    fen = amount.quantize(_FEN, rounding=ROUND_HALF_UP, context=_CTX)
    if fen != amount:
        raise InputError("金额无效", original, _FEN_EXPECTED, field=field)
    return fen.copy_abs()  # turns a -0.00 into 0.00; everything else is already non-negative


def parse_optional_amount(value: object, *, field: str | None = None) -> Decimal | None:
    """Like ``parse_amount`` but an empty cell (``None``, ``""`` or only whitespace) gives ``None``."""
    if is_blank(value):
        return None
    return parse_amount(value, field=field)


# ----------------------------------------------------------------------------------------------- dates


def parse_date(value: object, *, field: str | None = None) -> datetime.date:
    """Parse a date: ``date``, ``datetime`` (time dropped), an Excel serial (1900 date system) or text.

    Text forms: ``2024-09-01``, ``2024-9-1``, ``2024/9/1``, ``2024.9.1``, ``2024年9月1日`` and ``20240901``
    (full-width accepted). Digit-only text other than 8 digits is rejected as ambiguous.
    """
    if is_blank(value):
        raise InputError("日期未填写", value, DATE_EXPECTED, field=field)
    if isinstance(value, bool):
        raise InputError("日期无效", value, DATE_EXPECTED, field=field)
    _reject_excel_error(value, field, DATE_EXPECTED)

    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, numbers.Integral):
        return _date_from_serial(int(value), value, field)
    if isinstance(value, (float, Decimal)):
        finite = math.isfinite(value) if isinstance(value, float) else value.is_finite()
        if not finite or not 1 <= value < _MAX_SERIAL + 1:
            raise InputError("日期无效", value, _SERIAL_EXPECTED, field=field)
        return _date_from_serial(int(value), value, field)  # int() truncates: drops the time of day
    if isinstance(value, str):
        if len(value) > MAX_TEXT_LENGTH:
            raise InputError("日期无效", value, DATE_EXPECTED + _TOO_LONG_SUFFIX, field=field)
        text = _clean_text(value) or ""
        match = (
            _DATE_SEP_RE.fullmatch(text) or _DATE_CN_RE.fullmatch(text) or _DATE_COMPACT_RE.fullmatch(text)
        )
        if match is None:
            raise InputError("日期无效", value, DATE_EXPECTED, field=field)
        try:
            return datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            raise InputError("日期无效", value, DATE_EXPECTED, field=field) from None
    raise InputError("日期无效", value, DATE_EXPECTED, field=field)


def _date_from_serial(serial: int, original: object, field: str | None) -> datetime.date:
    if serial < 1 or serial > _MAX_SERIAL or serial == 60:
        raise InputError("日期无效", original, _SERIAL_EXPECTED, field=field)
    if serial < 60:  # before Excel's fictitious 1900-02-29: serial 1 is 1900-01-01
        return _EXCEL_EPOCH + datetime.timedelta(days=serial + 1)
    return _EXCEL_EPOCH + datetime.timedelta(days=serial)


def parse_optional_date(value: object, *, field: str | None = None) -> datetime.date | None:
    """Like ``parse_date`` but an empty cell (``None``, ``""`` or only whitespace) gives ``None``."""
    if is_blank(value):
        return None
    return parse_date(value, field=field)


# ---------------------------------------------------------------------------------------------- ratios


def parse_ratio(value: object, *, field: str | None = None) -> Decimal:
    """Parse an approved ratio in [0, 1]: ``0.8``, ``Decimal("0.8")``, ``"0.8"``, ``"80%"``, ``"８０％"``.

    Floats are taken at Excel's 15 significant digits, so COM noise such as 0.30000000000000004 becomes
    ``Decimal("0.3")``. The result is not quantized.
    """
    if is_blank(value):
        raise InputError("比例未填写", value, RATIO_EXPECTED, field=field)
    if isinstance(value, bool):
        raise InputError("比例无效", value, RATIO_EXPECTED, field=field)
    _reject_excel_error(value, field, RATIO_EXPECTED)

    ratio: Decimal | None = None
    if isinstance(value, numbers.Integral):
        ratio = Decimal(int(value))
    elif isinstance(value, float):
        if math.isfinite(value):
            ratio = Decimal(repr(value))
            if len(ratio.as_tuple().digits) > 15:
                ratio = Decimal(format(value, ".15g"))
    elif isinstance(value, Decimal):
        if value.is_finite():
            ratio = value
    elif isinstance(value, str) and len(value) <= MAX_TEXT_LENGTH:
        match = _RATIO_RE.fullmatch(_clean_text(value) or "")
        if match is not None:
            ratio = Decimal(match["num"])
            if match["pct"]:
                ratio = ratio.scaleb(-2, context=_CTX)
    if ratio is None or not 0 <= ratio <= 1:
        raise InputError("比例无效", value, RATIO_EXPECTED, field=field)
    return ratio.copy_abs()  # turns -0 into 0
