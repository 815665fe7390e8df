"""Writing output files atomically: a temporary file in the target's folder, renamed into place, so a
reader never sees half a file and a failed write leaves the old file (or none) behind."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from openpyxl import Workbook

from xlmv_workbook.xlsx.dynamic import mark_dynamic_arrays


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_atomically(workbook: Workbook, path: str | os.PathLike[str]) -> None:
    """Save an openpyxl workbook with ``write_atomically``, the MV_BREAKDOWN cells flagged as dynamic
    arrays again (openpyxl drops the flag when it loads a workbook)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_atomically(path, mark_dynamic_arrays(buffer.getvalue()))
