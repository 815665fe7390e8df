"""国民经济行业分类代码 (GB/T 4754-2017), reduced to its 2-digit division (大类) from
``xlmv/data/gbt4754_divisions.csv``: 附件3 一.1 limits applicants to 软件信息服务业、制造业、科技服务业 and the like.

Accepts ``65``, ``6513``, ``I65``, ``I6513``, ``i 6513``, full-width digits, Excel numbers and the Chinese
name copied along (``I6513 应用软件开发``).

>>> validate("i 6513")
'65'
>>> division("65").name
'软件和信息技术服务业'
>>> validate("C65")
Traceback (most recent call last):
...
xlmv.identifiers._common.IdentifierError: 国民经济行业分类代码：国民经济行业分类代码门类与大类不符：'C65'，大类 65（软件和信息技术服务业）属于门类 I（信息传输、软件和信息技术服务业），应为 GB/T 4754-2017 代码，如 6513 或 I6513
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from pydantic import BaseModel

from xlmv.identifiers._common import IdentifierError, accepts, normalise, read_csv, shown

__all__ = ["Division", "division", "is_valid", "validate"]

FIELD = "国民经济行业分类代码"
EXPECTED = "应为 GB/T 4754-2017 代码，如 6513 或 I6513"
# Optional section letter, then a division (2), group (3) or class (4) code, optionally followed by the
# Chinese name the applicant copied along.
_INDUSTRY = re.compile(r"([A-Z])?[-.]?(\d{2,4})(?:[-:：、.]?[\u3400-\u9fff（(].*)?")


class Division(BaseModel, frozen=True):
    """A GB/T 4754-2017 division (大类), e.g. ``65 软件和信息技术服务业`` in section ``I``."""

    code: str
    """Two digits, ``"65"``."""
    name: str
    section: str
    """门类 letter, ``"I"``."""


@cache
def _divisions() -> Mapping[str, Division]:
    rows = read_csv("gbt4754_divisions.csv")
    return MappingProxyType(
        {r["code"]: Division(code=r["code"], name=r["name"], section=r["section"]) for r in rows}
    )


@cache
def _section_names() -> Mapping[str, str]:
    return MappingProxyType({r["section"]: r["name"] for r in read_csv("gbt4754_sections.csv")})


def validate(value: object) -> str:
    """The 2-digit division code of an industry code; else ``IdentifierError``."""
    text = "".join(normalise(value).split()).upper()
    if not text:
        raise IdentifierError("未填写国民经济行业分类代码", value, EXPECTED, field=FIELD)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(text) == 1:
        text = "0" + text  # Excel drops the leading zero of divisions 01-09
    match = _INDUSTRY.fullmatch(text)
    found = _divisions().get(match.group(2)[:2]) if match else None
    if match is None or found is None or (match.group(1) and match.group(1) not in _section_names()):
        raise IdentifierError(
            f"国民经济行业分类代码无效：{shown(value)}，{EXPECTED}", value, EXPECTED, field=FIELD
        )
    section = match.group(1)
    if section and section != found.section:
        raise IdentifierError(
            f"国民经济行业分类代码门类与大类不符：{shown(value)}，大类 {found.code}（{found.name}）"
            f"属于门类 {found.section}（{_section_names()[found.section]}）",
            value,
            EXPECTED,
            field=FIELD,
        )
    return found.code


def is_valid(value: object) -> bool:
    """Whether ``validate`` accepts the value."""
    return accepts(validate, value)


def division(value: object) -> Division:
    """The division of a valid industry code (``validate``'s errors otherwise)."""
    return _divisions()[validate(value)]
