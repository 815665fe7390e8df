"""Opening a workbook with python-calamine (fast cell values), its failures turned into the caller's
Chinese error: an encrypted file, a corrupt one, and a panic in calamine's Rust code, which must not end a
batch."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import python_calamine

__all__ = ["calamine_book", "is_rust_panic"]


def is_rust_panic(exc: BaseException) -> bool:
    """python-calamine reports a panic inside its Rust code (e.g. a date-formatted cell holding 1e308) as
    ``pyo3_runtime.PanicException``, a ``BaseException``: it must not end a batch."""
    return type(exc).__name__ == "PanicException"


@contextmanager
def calamine_book(
    path: str | os.PathLike[str], error: Callable[[str], Exception], what: str
) -> Iterator[python_calamine.CalamineWorkbook]:
    """The workbook, closed afterwards; calamine's failures (also while reading it) become
    ``error(problem)``, the problem naming ``what`` could not be read (``工作簿内容``, ``台账``)."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(os.fspath(path))
        try:
            yield book
        finally:
            book.close()
    except python_calamine.PasswordError:
        raise error("文件已加密（设有打开密码），请去除密码后重新保存为 .xlsx") from None
    except python_calamine.CalamineError as exc:
        raise error(f"无法读取{what}（{exc}），文件可能已损坏，请在 Excel 中重新保存") from None
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise
        raise error(
            f"无法读取{what}（单元格的值超出可处理的范围，如日期格式的超大数值），请在 Excel 中检查后重新保存"
        ) from None
