"""Where an exported file goes: a name safe on every file system, and never on top of an existing file.

``export_stem`` makes ``<企业名称>-<第一个产品名称>-模型券申报`` from what the applicant typed: path separators,
``<>:"/\\|?*``, control and format characters are removed, whitespace is collapsed, leading and trailing dots,
spaces and hyphens are stripped, a Windows device name (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with or
without an extension, any case) gets a leading ``_``, and the stem is cut on a character boundary to at
most ``MAX_STEM_BYTES`` bytes of UTF-8. An empty result falls back to ``模型券申报``.

``write_new`` (from ``xlsx.atomic``) writes bytes atomically (a temporary file in the same folder, then a
hard link, which fails instead of replacing) under the first free name among ``stem``, ``stem (2)`` ….
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from itertools import count
from pathlib import Path

from xlmv_workbook.xlsx.atomic import numbered, write_new

__all__ = [
    "FALLBACK",
    "MAX_STEM_BYTES",
    "clean",
    "export_stem",
    "free_stem",
    "is_reserved",
    "numbered",
    "safe_stem",
    "write_new",
]

MAX_STEM_BYTES = 120
FALLBACK = "模型券申报"
SUFFIX = "模型券申报"
_FORBIDDEN = frozenset('<>:"/\\|?*')
_SPACES = re.compile(r"\s+")
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])", re.IGNORECASE)
_STRIP = " .-"


def clean(text: str) -> str:
    """``text`` without characters a file name must not hold, whitespace collapsed, ends trimmed."""
    kept = []
    for ch in unicodedata.normalize("NFC", text or ""):
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif ch not in _FORBIDDEN and category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(ch)
    return _SPACES.sub(" ", "".join(kept)).strip(_STRIP)


def cut(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 form has at most ``max_bytes`` bytes."""
    out, size = [], 0
    for ch in text:
        size += len(ch.encode("utf-8"))
        if size > max_bytes:
            break
        out.append(ch)
    return "".join(out)


def is_reserved(stem: str) -> bool:
    """A Windows device name, alone or before an extension (``CON``, ``nul.txt``, ``COM1.tar.gz``)."""
    base = stem.split(".", 1)[0].rstrip(" ")
    return _DEVICE.fullmatch(base) is not None


def safe_stem(text: str, max_bytes: int = MAX_STEM_BYTES, fallback: str = FALLBACK) -> str:
    """A file-name stem made from ``text`` that every file system accepts; ``fallback`` when nothing is left."""
    stem = cut(clean(text), max_bytes).rstrip(_STRIP)
    if is_reserved(stem):
        stem = cut("_" + stem, max_bytes).rstrip(_STRIP)
    return stem or fallback


def export_stem(company: str, product: str) -> str:
    """``<企业名称>-<第一个产品名称>-模型券申报``, safe, at most ``MAX_STEM_BYTES`` bytes; empty parts are left
    out. When both names are long, the product name keeps up to half of the room."""
    budget = MAX_STEM_BYTES - len(f"-{SUFFIX}".encode())
    first, second = clean(company), clean(product)
    if first and second:
        room = min(len(second.encode()), budget // 2 - 1)  # -1: the hyphen between the names
        first = cut(first, budget - room - 1).rstrip(_STRIP)
        second = cut(second, budget - len(first.encode()) - 1).rstrip(_STRIP)
    name = cut("-".join(part for part in (first, second) if part), budget).rstrip(_STRIP)
    return safe_stem(f"{name}-{SUFFIX}" if name else SUFFIX)


def free_stem(directory: Path, stem: str, suffixes: Iterable[str]) -> str:
    """The first of ``stem``, ``stem (2)`` … for which no file with any of ``suffixes`` exists yet."""
    suffixes = tuple(suffixes)
    for n in count(1):
        candidate = numbered(stem, n)
        if not any((directory / f"{candidate}{s}").exists() for s in suffixes):
            return candidate
    raise AssertionError("unreachable")
