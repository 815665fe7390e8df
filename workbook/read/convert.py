"""One template cell's raw value converted to its field's type (``convert``), and its label in messages."""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from decimal import Decimal

from xlmv.errors import InputError
from xlmv.parsing import excel_error_name, is_blank, parse_optional_amount, parse_optional_date
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.sheetscan import CachedFormula, UncachedFormula

__all__ = ["PRODUCT_PATH", "convert", "display_label", "normalise", "number_text"]

_MAX_EXACT_FLOAT = 2**53
_MAX_CODE_NUMBER = 10**15
_YES, _NO = layout.YES_NO
_COUNT_EXPECTED = "应为不小于 0 的整数，如 120"


def normalise(value: object) -> object:
    """Excel hands every number over as a float (calamine, COM) or, for integers, as an int (openpyxl):
    integral floats become ints so the three readers agree, also in the messages that show a value."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_EXACT_FLOAT:
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date()
    return value


def _reject_error(value: object, label: str, expected: str) -> None:
    name = excel_error_name(value)
    if name is not None:
        raise InputError(
            "单元格错误值", value, f"单元格显示 Excel 错误 {name}，请先修正该单元格；{expected}", field=label
        )


def number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float):
        return format(value, ".15g") if math.isfinite(value) else str(value)
    return str(value)


def _text(value: object, label: str) -> str:
    if is_blank(value):
        return ""
    _reject_error(value, label, "应填写文字")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        return number_text(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _code(value: object, label: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= _MAX_CODE_NUMBER:
        raise InputError(
            "代码被存为数字",
            value,
            "超过 15 位的数字在 Excel 中会丢失末尾数字，请先将单元格格式设为“文本”再重新输入完整代码",
            field=label,
        )
    return _text(value, label)


def _count(value: object, label: str) -> int | None:
    if is_blank(value):
        return None
    _reject_error(value, label, _COUNT_EXPECTED)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split()).replace(",", "").removesuffix("人")
        if re.fullmatch(r"-?[0-9]{1,12}", text):
            number = int(text)
    if number is None:
        raise InputError("数量无效", value, _COUNT_EXPECTED, field=label)
    if number < 0:
        raise InputError("数量不能为负数", value, _COUNT_EXPECTED, field=label)
    return number


def _yes_no(value: object, label: str) -> bool | None:
    if is_blank(value):
        return None
    expected = f"应为 {_YES} 或 {_NO}"
    _reject_error(value, label, expected)
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else None
    if text == _YES:
        return True
    if text == _NO:
        return False
    raise InputError("选项无效", value, expected, field=label)


def convert(f: layout.Field, value: object, *, label: str | None = None) -> object:
    """One cell's value as the Declaration wants it (``None`` or ``""`` when empty), by the field's type.

    Raises ``InputError`` whose message starts with ``label`` (default: the field's label).
    """
    label = label or f.label
    if isinstance(value, CachedFormula):
        value = value.value
    if isinstance(value, UncachedFormula):
        raise InputError(
            "公式没有计算结果",
            f"={value.formula}",
            "该单元格是公式但文件中没有保存计算结果；请在 Excel 中打开并保存后再检查，或直接填写数值",
            field=label,
        )
    value = normalise(value)
    if f.type == "amount":
        return parse_optional_amount(value, field=label)
    if f.type == "date":
        return parse_optional_date(value, field=label)
    if f.type == "int":
        return _count(value, label)
    if f.type == "yes_no":
        return _yes_no(value, label)
    if f.type == "code":
        return _code(value, label)
    return _text(value, label)


PRODUCT_PATH = re.compile(r"products\[(?P<slot>[0-9]+)\]\.(?P<rest>.+)")


@functools.cache
def display_label(f: layout.Field) -> str:
    """The field's label as shown in messages: product fields say which product (产品2 产品名称)."""
    match = PRODUCT_PATH.fullmatch(f.path)
    if match is None or f.label.startswith("产品"):
        return f.label
    return f"产品{int(match['slot']) + 1} {f.label}"
