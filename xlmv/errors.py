"""User-input errors raised by the engine, with Chinese messages that say what was typed and what is expected,
and the Chinese words for a file-system error (the OS's own are English)."""

from __future__ import annotations

import datetime
import errno
from decimal import Decimal


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
    """A value as the user typed or sees it: text in quotes, numbers and dates as a cell shows them,
    never a Python repr such as ``datetime.date(2025, 3, 31)``."""
    if value is None:
        return "（空）"
    if isinstance(value, str):
        return repr(value) if value.strip() else "（空）"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows a logical cell
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, (list, tuple)):
        return f"（一个区域，{len(value)} 行/项）"
    return f"（无法识别的值，类型 {type(value).__name__}）"


def os_reason(exc: Exception) -> str:
    """A file-system error in Chinese (the OS's own words are English)."""
    if isinstance(exc, FileNotFoundError):
        return "文件或目录不存在"
    if isinstance(exc, PermissionError):
        return "没有读写权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(exc, OSError):
        known = _ERRNO_REASONS.get(exc.errno or 0)
        return known or f"系统错误（{exc.strerror or exc}）"
    return str(exc)


_ERRNO_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "所在的文件系统为只读",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ENOTDIR: "路径中的某一级不是文件夹",
    errno.EEXIST: "文件已存在",
    errno.EBUSY: "文件正被其他程序占用",
    errno.EIO: "读写设备出错（磁盘或网络驱动器）",
}
