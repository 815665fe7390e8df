"""User-input errors raised by the engine, with Chinese messages that say what was typed and what is expected."""

from __future__ import annotations


class InputError(ValueError):
    """A value a user typed cannot be used.

    ``kind`` is a short Chinese label (``金额无效``), ``value`` the text as typed and
    ``expected`` what would have been accepted. ``short()`` is the one-line form shown
    in a cell (``金额无效：'12o万'``); ``str()`` adds what is expected.
    """

    def __init__(self, kind: str, value: object, expected: str, *, field: str | None = None) -> None:
        self.kind = kind
        self.value = value
        self.expected = expected
        self.field = field
        super().__init__(self.message())

    def short(self) -> str:
        return f"{self.kind}：{_show(self.value)}"

    def message(self) -> str:
        where = f"{self.field}：" if self.field else ""
        return f"{where}{self.short()}，{self.expected}"


def _show(value: object) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, str):
        return repr(value) if value.strip() else "（空）"
    return repr(value) if not isinstance(value, (int, float)) else str(value)
