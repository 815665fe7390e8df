"""联系邮箱: one plausible address (pragmatic, not RFC 5322), typed in half-width characters.

>>> validate(" zhang.san@example.com.cn ")
'zhang.san@example.com.cn'
>>> validate("zhangsan@qq")
Traceback (most recent call last):
...
xlmv.identifiers._common.IdentifierError: 联系邮箱：邮箱域名应含“.”：'zhangsan@qq'，应为一个邮箱地址，如 name@example.com
"""

from __future__ import annotations

import re
import unicodedata

from xlmv.identifiers._common import IdentifierError, as_text, strip_invisible

__all__ = ["is_valid", "validate"]

FIELD = "联系邮箱"
EXPECTED = "应为一个邮箱地址，如 name@example.com"
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_TLD = re.compile(r"[A-Za-z]{2,}|xn--[A-Za-z0-9-]+")


def _problem(raw: str) -> str | None:
    quoted = repr(raw)
    if not raw:
        return "未填写联系邮箱"
    wide = [c for c in dict.fromkeys(raw) if unicodedata.normalize("NFKC", c) != c]
    if wide:
        return f"邮箱含全角字符 {'、'.join(wide)}，请改用半角：{quoted}"
    if any(c.isspace() or c in ",;，；、" for c in raw):
        return f"邮箱含空格或分隔符，只能填写一个邮箱：{quoted}"
    if not raw.isascii():
        return f"邮箱含中文或其他非英文字符：{quoted}"
    if raw.count("@") != 1:
        return f"邮箱应含且只含一个“@”：{quoted}"
    local, domain = raw.split("@")
    if not local or not _LOCAL.fullmatch(local):
        return f"邮箱“@”前的用户名无效：{quoted}"
    if "." not in domain:
        return f"邮箱域名应含“.”：{quoted}"
    labels = domain.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels) or not _TLD.fullmatch(labels[-1]):
        return f"邮箱域名无效：{quoted}"
    return None


def validate(value: object) -> str:
    """The address without surrounding blanks; else ``IdentifierError``."""
    raw = strip_invisible(as_text(value))
    problem = _problem(raw)
    if problem is not None:
        raise IdentifierError(problem, value, EXPECTED, field=FIELD)
    return raw


def is_valid(value: object) -> bool:
    """Whether ``validate`` accepts the value."""
    return _problem(strip_invisible(as_text(value))) is None
