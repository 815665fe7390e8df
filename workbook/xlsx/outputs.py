"""May a command write this output file? The rules every command that takes ``-o`` follows:

- an input of the same run is never an output (not even with ``--force``);
- an existing file is never replaced unless ``--force`` is given (it may hold a colleague's work: the
  reviewers' approved ratios in 复核汇总.xlsx, a filled declaration);
- a file open in Excel, WPS or LibreOffice (its lock file beside it) is not written;
- a read-only file is refused (``atomic.existing_mode``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from xlmv_workbook.xlsx.atomic import existing_mode
from xlmv_workbook.xlsx.roundtrip import lock_message, office_lock

__all__ = ["OutputError", "check_output", "same_file"]


class OutputError(Exception):
    """The output may not be written; the message is Chinese and names the file."""


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (hard links and symbolic links included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(target: Path, *, inputs: Iterable[Path] = (), force: bool = False) -> None:
    """Refuse ``target`` (``OutputError``) when it is one of ``inputs``, exists and ``force`` is not
    given, is open in an office program, or is read-only."""
    for source in inputs:
        if same_file(target, Path(source)):
            raise OutputError(
                f"{target}：是本次的输入文件，不能同时作为输出（--force 也不例外），请换一个输出文件名"
            )
    if (lock := office_lock(target)) is not None:
        raise OutputError(f"{target}：{lock_message(lock)}")
    if target.exists() or target.is_symlink():
        if not force:
            raise OutputError(
                f"{target}：文件已存在，为免覆盖其中的内容（如他人的复核修改）未写入；"
                "请换一个文件名，或确认可以覆盖后加 --force"
            )
        try:
            existing_mode(target)
        except PermissionError:
            raise OutputError(f"{target}：文件为只读，已拒绝改写（如需更新，请先取消只读属性）") from None
        except IsADirectoryError:
            raise OutputError(f"{target}：是一个文件夹，不是文件") from None
