"""Excel values in, engine values out: the conversions behind the ``MV_*`` worksheet functions.

What xlwings hands a UDF (after its own conversion with the options the decorators declare):

* one cell: ``float``, ``int``, ``str``, ``bool``, ``datetime`` or ``None`` (empty);
* a range read with ``ndim=2``: a list of rows (tuples of tuples in a plain Python call);
* an error cell: its text (``"#DIV/0!"``) when the argument declares ``err_to_str=True``, as every ``MV_*``
  argument does, otherwise xlwings would silently turn it into an empty cell; the COM integer
  (``-2146826281``) when a value arrives without that conversion.

Every user mistake becomes a cell text starting with ``#`` (see ``excel_safe``), never a traceback and
never a silent 0: a formula that depends on it then fails visibly.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import ParamSpec

from xlmv.errors import InputError
from xlmv.money import ZERO, to_fen
from xlmv.parsing import AMOUNT_EXPECTED, excel_error_name, is_blank, parse_amount, parse_ratio
from xlmv.policy import Kind, Policy, PolicyError

__all__ = [
    "amounts",
    "cells",
    "excel_safe",
    "kind",
    "money",
    "optional_amount",
    "optional_ratio",
    "single",
    "single_amount",
]

logger = logging.getLogger(__name__)

_P = ParamSpec("_P")

ERROR_PREFIX = "#"
"""Every error a UDF returns starts with this, like Excel's own ``#VALUE!``."""


# ------------------------------------------------------------------------------------------ the cells


def _leaves(value: object) -> Iterator[object]:
    """The cells of a value in reading order (row by row); a single value is one cell."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _reject_error_cell(value: object) -> None:
    name = excel_error_name(value)
    if name is not None:
        raise InputError("单元格错误值", name, f"单元格显示 Excel 错误 {name}，请先修正该单元格")


def cells(value: object) -> list[object]:
    """All cells of a range in reading order, empty ones included but trailing empty ones dropped.

    For inputs whose position matters (material statuses: the n-th cell is item n). An error cell is an
    ``InputError``.
    """
    found = list(_leaves(value))
    while found and is_blank(found[-1]):
        found.pop()
    for cell in found:
        _reject_error_cell(cell)
    return found


def _amount(cell: object) -> Decimal:
    if isinstance(cell, datetime.date):  # a date-formatted cell: show the date, not its Python repr
        day = cell.date() if isinstance(cell, datetime.datetime) else cell
        raise InputError("金额无效", f"日期 {day.isoformat()}", AMOUNT_EXPECTED)
    return parse_amount(cell)


def amounts(value: object) -> list[Decimal]:
    """The amounts in a cell or range, in reading order; empty cells are skipped."""
    return [_amount(cell) for cell in _leaves(value) if not is_blank(cell)]


def single(value: object) -> object:
    """The value of an argument that takes one cell (a one-cell range is unwrapped); error cells rejected."""
    if isinstance(value, (list, tuple)):
        found = list(_leaves(value))
        if len(found) > 1:
            raise InputError("区域无效", f"{len(found)} 个单元格", "此参数应为单个单元格或值")
        value = found[0] if found else None
    _reject_error_cell(value)
    return value


def single_amount(value: object) -> Decimal:
    """One amount; an empty cell is an error (``金额未填写``)."""
    return _amount(single(value))


def optional_amount(value: object) -> Decimal:
    """An optional amount (omitted or empty: 0)."""
    value = single(value)
    return ZERO if is_blank(value) else _amount(value)


def optional_ratio(value: object) -> Decimal | None:
    """An optional approved ratio (0–1, or a percentage); omitted or empty: None (the full rate)."""
    value = single(value)
    return None if is_blank(value) else parse_ratio(value)


def kind(policy: Policy, value: object) -> Kind:
    """The reward kind named in a cell: ``API`` / ``私有化`` (or ``api`` / ``private``, any alias)."""
    value = single(value)
    return policy.kind("" if value is None else str(value))


# ---------------------------------------------------------------------------------------- the results


def money(amount: Decimal) -> float:
    """Exact yuan to the number a cell shows: rounded to the fen (half up), only here at the edge."""
    return float(to_fen(amount))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return ERROR_PREFIX + exc.short()
    if isinstance(exc, KeyError) and exc.args:  # Policy.kind(): the message is the key
        return ERROR_PREFIX + str(exc.args[0])
    return ERROR_PREFIX + str(exc)


def excel_safe(func: Callable[_P, object]) -> Callable[_P, object]:
    """Run a UDF body; user errors become ``#…`` texts, and so does anything unexpected.

    ``InputError`` → ``#金额无效：'12o万'`` (``InputError.short()``); an unknown kind (``KeyError``) or a
    policy problem (``PolicyError``) → ``#`` plus its Chinese message. Any other exception is a bug: it is
    logged with its traceback and the cell shows ``#内部错误：<type>`` instead of the traceback xlwings'
    VBA wrapper would put there. ``functools.wraps`` keeps the name, docstring and (via ``__wrapped__``)
    the signature that xlwings reads.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> object:
        try:
            return func(*args, **kwargs)
        except (InputError, KeyError, PolicyError) as exc:
            return _error_text(exc)
        except Exception as exc:
            logger.exception("%s failed", func.__name__)
            return f"{ERROR_PREFIX}内部错误：{type(exc).__name__}"

    return wrapper
