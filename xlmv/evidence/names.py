"""Normalising party names and tax IDs before comparing them (brackets, spaces, full-width forms)."""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans(
    {"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "［": "(", "］": ")"}
)
_SPACE = re.compile(r"\s+")
USCC_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def normalise_name(name: str) -> str:
    """``北京某某科技有限公司（虚构示例）`` and ``北京某某科技有限公司 (虚构示例)`` compare equal: NFKC (full-width
    brackets become half-width), other bracket shapes become round ones, every space is dropped."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", name).translate(_BRACKETS))
    return _SPACE.sub("", unicodedata.normalize("NFKC", text.casefold()))


def normalise_tax_id(tax_id: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", tax_id)).upper()


def names_match(a: str, b: str) -> bool:
    return bool(a.strip()) and normalise_name(a) == normalise_name(b)


def split_provider(text: str) -> tuple[str, str]:
    """A declared provider as (name, USCC): ``某公司（91110000…）`` gives both; a plain name gives no USCC."""
    match = USCC_RE.search(normalise_tax_id(text))
    if match is None:
        return text.strip(), ""
    uscc = match.group(0)
    name = unicodedata.normalize("NFKC", text)
    name = re.sub(r"[(（\[]?\s*" + re.escape(uscc) + r"\s*[)）\]]?", "", name, flags=re.IGNORECASE)
    return name.strip(), uscc
