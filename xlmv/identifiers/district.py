"""Beijing area codes (GB/T 2260, ``xlmv/data/gb2260_beijing.csv``): the district a 统一社会信用代码's
characters 3-8 (登记管理机关行政区划码) stand for, current, abolished (named with what they merged into),
and 110302 北京经济技术开发区 (a registration-authority code, not a GB/T 2260 county).

>>> name("110108")
'北京市海淀区'
>>> name("110103")
'北京市崇文区（已撤销，并入东城区）'
>>> name("110302")
'北京经济技术开发区'
>>> name("310115") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from xlmv.identifiers._common import IdentifierError, normalise, read_csv, shown

__all__ = ["is_valid", "name", "validate"]

FIELD = "行政区划代码"
EXPECTED = "应为北京市的 6 位行政区划代码，如 110108"
_MERGED_NOTE = re.compile(r"[\s\d]+$")  # "并入东城区 110101" → "并入东城区"


@cache
def _names() -> Mapping[str, str]:
    """Area code → display name."""
    names: dict[str, str] = {}
    for row in read_csv("gb2260_beijing.csv"):
        code, label, level, status = row["code"], row["name"], row["level"], row["status"]
        note = _MERGED_NOTE.sub("", row["note"]).strip()
        if level == "province":
            names[code] = label
        elif level == "prefecture":  # 110100 市辖区: means "somewhere in the city"
            names[code] = "北京市"
        elif status.startswith("abolished"):
            names[code] = f"北京市{label}（已撤销，{note}）" if note else f"北京市{label}（已撤销）"
        elif level == "county":
            names[code] = f"北京市{label}"
        else:
            names[code] = label
    return MappingProxyType(names)


def validate(value: object) -> str:
    """The area code, normalised, if the table knows it; else ``IdentifierError``.

    >>> validate("１１０１０８")
    '110108'
    """
    code = normalise(value)
    if code not in _names():
        raise IdentifierError(f"未知的北京市行政区划代码：{shown(value)}", value, EXPECTED, field=FIELD)
    return code


def is_valid(value: object) -> bool:
    """Whether the table knows the area code."""
    return normalise(value) in _names()


def name(area_code: object) -> str | None:
    """The Beijing district an area code stands for, or ``None`` if unknown."""
    return _names().get(normalise(area_code))
