"""Which files a batch reads: files and folders given on the command line, folders searched recursively for
``*.xlsx``/``*.xlsm``, skipping lock files, hidden files and folders, and materials folders
(``<declaration>-材料/``: settlement statements there are workbooks too), in sorted path order."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SUFFIXES = (".xlsx", ".xlsm")
MATERIALS_SUFFIX = "-材料"  # xlmv_workbook.materials.folder.default_folder


def _skipped(name: str) -> bool:
    return name.startswith(("~$", "."))


def collect_inputs(inputs: Iterable[str | os.PathLike[str]], exclude: Iterable[Path] = ()) -> list[str]:
    """Files to read, sorted: files as given, folders searched recursively for ``*.xlsx``/``*.xlsm``.

    Lock files (``~$…``) and hidden files or folders are skipped; so are ``exclude`` (the output). A
    path that does not exist is kept, so it is reported as unreadable like any other bad file.
    """
    excluded = {p.resolve() for p in exclude}
    found: dict[Path, str] = {}

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in excluded and resolved not in found:
            found[resolved] = os.fspath(path)

    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _skipped(d) and not d.endswith(MATERIALS_SUFFIX))
                for name in files:
                    if not _skipped(name) and name.lower().endswith(SUFFIXES):
                        add(Path(root) / name)
        elif not _skipped(path.name):
            add(path)
    return sorted(found.values())
