"""Text for a terminal: every command's output goes through ``safe_text``, so a value typed into a workbook
cannot drive the terminal.

A cell may carry control characters (calamine decodes ``_x001B_`` into ESC): an ANSI sequence could clear
the screen and print a fake "校验：未发现问题" over the real findings, ``\\r`` could overwrite a line, and a
bidi override (U+202E …) could reverse what follows. ``safe_text`` shows each such character as a visible
escape (``\\u001b``, ``\\u202e``: valid inside JSON strings too) and keeps line feeds and tabs. ``safe_terminal`` wraps ``sys.stdout`` and
``sys.stderr`` for the duration of a command (``xlmv.cli.main``); a stream's ``raw`` is the unwrapped one,
for the progress line's deliberate ``\\r``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["SafeStream", "safe_terminal", "safe_text"]

_BIDI = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_SEPARATORS = frozenset([0x2028, 0x2029, 0x0085])
_KEEP = "\n\t"


def _unsafe(code: int) -> bool:
    return code < 0x20 or 0x7F <= code < 0xA0 or code in _BIDI or code in _SEPARATORS


_TABLE = {  # the \uXXXX form everywhere: readable, and still valid inside a JSON string (check --json)
    code: f"\\u{code:04x}"
    for code in [*range(0x20), *range(0x7F, 0xA0), *_BIDI, *_SEPARATORS]
    if chr(code) not in _KEEP
}


def safe_text(text: str) -> str:
    """``text`` with control characters, bidi controls and line separators shown as escapes (line feeds
    and tabs kept)."""
    if text.isprintable() or not any(_unsafe(ord(ch)) and ch not in _KEEP for ch in text):
        return text
    return text.translate(_TABLE)


class SafeStream:
    """A text stream whose ``write`` passes everything through ``safe_text``."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        return self.raw.write(safe_text(text))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno …
        return getattr(self.raw, name)


@contextlib.contextmanager
def safe_terminal() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` wrapped in ``SafeStream`` inside the block."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
