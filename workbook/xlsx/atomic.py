"""Writing output files atomically and without surprises on a shared drive.

Every write goes to a temporary file in the target's folder and is renamed (or hard-linked) into place, so
a reader never sees half a file and a failed write (a full disk) leaves the old file, or none, behind:
the temporary file is removed, so a retry finds the same names free.

Permissions: a new file gets the mode the user's umask gives (``0666 & ~umask``, as any other program's
files; ``mkstemp`` alone would make it 0600, unreadable for colleagues). A file written over keeps its own
mode. A read-only file (no write bit, or not writable by this user) is refused, never replaced.

``write_new`` never replaces anything: it takes the first free name among ``stem``, ``stem (2)`` … .
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from itertools import count
from pathlib import Path

from openpyxl import Workbook

from xlmv_workbook.xlsx.dynamic import mark_dynamic_arrays

__all__ = ["ReadOnlyFileError", "numbered", "save_atomically", "write_atomically", "write_new"]


class ReadOnlyFileError(PermissionError):
    """The file to be written over is read-only; it is refused, never replaced."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(
            errno.EACCES, "文件为只读，已拒绝改写（如需更新，请先取消只读属性）", os.fspath(path)
        )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode a new file gets under the current umask."""
    return 0o666 & ~_umask()


def existing_mode(path: Path) -> int | None:
    """The permission bits of the file at ``path`` (None when there is none); ``ReadOnlyFileError`` when
    it must not be written over."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "不是文件", os.fspath(path))
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise ReadOnlyFileError(path)
    return stat.S_IMODE(info.st_mode)


def _temporary(target: Path, data: bytes, mode: int) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place: a new file with the
    umask's mode, an existing one keeping its mode; a read-only file is refused (``ReadOnlyFileError``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = existing_mode(target)
    tmp = _temporary(target, data, new_file_mode() if mode is None else mode)
    try:
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_atomically(workbook: Workbook, path: str | os.PathLike[str]) -> None:
    """Save an openpyxl workbook with ``write_atomically`` (serialised in memory first, so a full disk
    fails in the write, not inside openpyxl's ZIP writer), the MV_BREAKDOWN cells flagged as dynamic
    arrays again (openpyxl drops the flag when it loads a workbook)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_atomically(path, mark_dynamic_arrays(buffer.getvalue()))


def numbered(stem: str, n: int) -> str:
    """``stem`` for n = 1, else ``stem (n)``."""
    return stem if n == 1 else f"{stem} ({n})"


def write_new(directory: Path, stem: str, suffix: str, data: bytes, *, first: int = 1) -> Path:
    """Write ``data`` atomically to the first free ``stem[ (n)]suffix`` in ``directory`` (n from
    ``first``); never replaces a file.

    The bytes go to a temporary file first; a hard link then gives it its name and fails if the name is
    taken, so a file created meanwhile is never overwritten. Where hard links are not supported (some
    network or FAT file systems) the name is checked and the file renamed into place.
    """
    directory.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(directory / f"{stem}{suffix}", data, new_file_mode())
    try:
        for n in count(first):
            target = directory / f"{numbered(stem, n)}{suffix}"
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue
            except OSError:
                if target.exists():
                    continue
                os.replace(tmp, target)
            return target
        raise AssertionError("unreachable")
    finally:
        Path(tmp).unlink(missing_ok=True)
