"""Which files a batch reads: files and folders given on the command line, folders searched recursively for
``*.xlsx``/``*.xlsm``, skipping lock files, hidden files and folders, and materials folders
(``<declaration>-材料/``: settlement statements there are workbooks too), in sorted path order.

Nothing is skipped without a word: a folder that cannot be listed (no permission, removed meanwhile) is a
problem reported with its reason, and so is a symbolic link that leads back into a folder it sits in (a
loop: not followed). Other symbolic links to folders are followed; a folder reached twice is read once.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xlmv.errors import os_reason
from xlmv_workbook.review.sheets import SETTINGS

SUFFIXES = (".xlsx", ".xlsm")
MATERIALS_SUFFIX = "-材料"  # xlmv_workbook.materials.folder.default_folder


def is_review_workbook(path: Path) -> bool:
    """Whether ``path`` is a review workbook ``xlmv batch`` wrote (its settings sheet), not a declaration."""
    try:
        with zipfile.ZipFile(path) as zf:
            return SETTINGS.encode() in zf.read("xl/workbook.xml")
    except Exception:  # anything unreadable is not one (and is reported when it is read as a declaration)
        return False


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


@dataclass
class Inputs:
    """The files to read, and the folders that could not be searched with the reason (Chinese)."""

    paths: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def find_inputs(inputs: Iterable[str | os.PathLike[str]], exclude: Iterable[Path] = ()) -> Inputs:
    """Files to read, sorted, and the folders that could not be searched (see the module docstring).

    Lock files (``~$…``, ``.~lock.…#``), hidden files or folders, materials folders and review workbooks
    (an earlier batch's output) are skipped; so are ``exclude``. A path that does not exist is kept, so it
    is reported as unreadable like any other bad file.
    """
    excluded = {p.resolve() for p in exclude}
    found: dict[Path, str] = {}
    result = Inputs()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in excluded and resolved not in found:
            found[resolved] = os.fspath(path)

    def walk(folder: Path, ancestors: tuple[tuple[int, int], ...], seen: set[tuple[int, int]]) -> None:
        identity = _identity(folder)
        if identity is not None and identity in ancestors:
            result.problems[os.fspath(folder)] = "符号链接指向它所在的上级文件夹（循环），未进入该文件夹"
            return
        if identity is not None and identity in seen:
            return  # reached twice through links: its files are already listed
        if identity is not None:
            seen.add(identity)
        try:
            with os.scandir(folder) as entries:
                children = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            result.problems[os.fspath(folder)] = f"无法读取文件夹（{os_reason(exc)}），其中的申报表未能复核"
            return
        inner = ancestors + ((identity,) if identity is not None else ())
        for entry in children:
            if _skipped(entry.name):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symbolic links
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.endswith(MATERIALS_SUFFIX):
                    walk(path, inner, seen)
            elif entry.name.lower().endswith(SUFFIXES) and not is_review_workbook(path):
                add(path)  # an earlier 复核汇总 in the folder is not a declaration

    seen: set[tuple[int, int]] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            walk(path, (), seen)
        elif not _skipped(path.name):
            add(path)
    result.paths = sorted(found.values())
    return result


def collect_inputs(inputs: Iterable[str | os.PathLike[str]], exclude: Iterable[Path] = ()) -> list[str]:
    """The files ``find_inputs`` finds (without the folders that could not be searched)."""
    return find_inputs(inputs, exclude).paths
