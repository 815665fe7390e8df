"""联系人手机: a mainland mobile number (11 digits, ``1[3-9]…``).

Tolerates ``+86``/``86``/``0086``, spaces, hyphens, brackets and Excel numbers (``13800138000.0``).

>>> validate("+86 138-0013-8000")
'13800138000'
>>> is_valid("010-12345678")
False
"""

from __future__ import annotations

import re

from xlmv.identifiers._common import IdentifierError, normalise, shown

__all__ = ["is_valid", "validate"]

FIELD = "联系人手机"
EXPECTED = "应为 11 位手机号码"
_MOBILE = re.compile(r"1[3-9]\d{9}")
_PREFIX = re.compile(r"^(?:(?:\+|00)86|86(?=\d{11}$))")


def _parse(value: object) -> tuple[str, str | None]:
    """The digits and the problem with them (``None`` when they are a mobile number)."""
    text = normalise(value)
    quoted = shown(value)
    if not text:
        return "", "未填写联系人手机"
    if re.fullmatch(r"\d(?:\.\d+)?E\+\d+", text, flags=re.IGNORECASE):
        return text, f"手机号被 Excel 显示为科学计数法，请将单元格设为文本后重新填写：{quoted}"
    digits = _PREFIX.sub("", re.sub(r"[\s\-()（）]", "", text))
    if not digits.isdigit():
        return digits, f"手机号只能含数字：{quoted}"
    if digits.startswith("0"):
        return digits, f"似为固定电话，应填写手机号：{quoted}"
    if len(digits) != 11:
        return digits, f"手机号应为 11 位，实为 {len(digits)} 位：{quoted}"
    if not _MOBILE.fullmatch(digits):
        return digits, f"手机号应以 13–19 开头：{quoted}"
    return digits, None


def validate(value: object) -> str:
    """The 11 digits; else ``IdentifierError``."""
    digits, problem = _parse(value)
    if problem is not None:
        raise IdentifierError(problem, value, EXPECTED, field=FIELD)
    return digits


def is_valid(value: object) -> bool:
    """Whether ``validate`` accepts the value."""
    return _parse(value)[1] is None
