"""统一社会信用代码 (GB 32100-2015): length, alphabet and check character (via ``stdnum.cn.uscc``), and
whether the registration authority's area code lies in the policy's region (附件3 一.1 “在北京市注册”; the
prefix and its name are the policy's ``registration``, never a literal here).

>>> validate(" 91110108551385082q ")
'91110108551385082Q'
>>> validate("91110108MA01ABCDX2")
Traceback (most recent call last):
...
xlmv.identifiers._common.IdentifierError: 统一社会信用代码：校验位错误：应为 5，实为 2，应为 18 位统一社会信用代码（文本格式）
>>> is_valid(None)
False
"""

from __future__ import annotations

import re

from stdnum.cn import uscc as _stdnum_uscc

from xlmv.identifiers import district
from xlmv.identifiers._common import IdentifierError, accepts, normalise
from xlmv.policy import Registration

__all__ = ["area_code", "compact", "in_region", "is_valid", "place", "validate"]

FIELD = "统一社会信用代码"
EXPECTED = "应为 18 位统一社会信用代码（文本格式）"
LENGTH = 18
_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")  # GB 32100-2015: no I, O, Z, S, V
_AREA = re.compile(r"[0-9]{6}")


def compact(value: object) -> str:
    """NFKC, all whitespace and invisible characters removed, upper-case."""
    return "".join(normalise(value).split()).upper()


def _format_problems(code: str) -> list[str]:
    problems: list[str] = []
    if len(code) != LENGTH:
        problems.append(f"长度应为 {LENGTH} 位，实为 {len(code)} 位")
    illegal = list(dict.fromkeys(c for c in code if c not in _ALPHABET))
    if illegal:
        problems.append("含非法字符：" + "、".join(repr(c) for c in illegal))
    elif not re.fullmatch(r"[0-9]*", code[:8]):  # stdnum: authority, entity type and area code are digits
        problems.append(f"前 8 位应为数字：{code[:8]!r}")
    return problems


def _problem(code: str) -> str | None:
    if not code:
        return "未填写"
    if problems := _format_problems(code):
        return "；".join(problems)
    expected = _stdnum_uscc.calc_check_digit(code[:-1])
    if expected != code[-1] or not _stdnum_uscc.is_valid(code):
        return f"校验位错误：应为 {expected}，实为 {code[-1]}"
    return None


def validate(value: object, *, region: Registration | None = None) -> str:
    """The code, compacted, if it is well-formed (and, given the policy's ``region``, registered there);
    else ``IdentifierError``. Never raises anything else, whatever Excel hands over."""
    code = compact(value)
    problem = _problem(code)
    if problem is not None:
        if isinstance(value, float) and code:
            # An 18-character code stored as a number has lost digits (float keeps ~15-16).
            problem += "（Excel 将其存为数字，可能已丢失位数，请将单元格设为文本后重新填写）"
        raise IdentifierError(problem, value, EXPECTED, field=FIELD)
    if region is not None and not in_region(code, region):
        raise IdentifierError(
            f"登记地不在{region.region_label}（行政区划代码 {area_code(code)}）",
            value,
            f"申报单位应在{region.region_label}注册",
            field=FIELD,
        )
    return code


def is_valid(value: object, *, region: Registration | None = None) -> bool:
    """Whether ``validate`` accepts the value."""
    return accepts(lambda v: validate(v, region=region), value)


def area_code(code: str) -> str | None:
    """Characters 3-8 of a code (登记管理机关行政区划码) when they are six digits.

    >>> area_code("91110108551385082Q")
    '110108'
    """
    area = compact(code)[2:8]
    return area if _AREA.fullmatch(area) else None


def in_region(code: str, region: Registration) -> bool:
    """Whether a code's area code starts with the policy's region prefix (Beijing: 11)."""
    return (area_code(code) or "").startswith(region.region_prefix)


def place(code: str, region: Registration) -> str:
    """Where a valid code in the region is registered: the district, else the region and its area code.

    >>> from xlmv.policy import load_policy
    >>> place("91110108551385082Q", load_policy().registration)
    '北京市海淀区'
    """
    area = area_code(code)
    return district.name(area or "") or f"{region.region_label}（行政区划代码 {area}）"
