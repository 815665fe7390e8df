"""Time ``xlmv template``: building the declaration template in-process and as a command, against a
baseline measured in the same run (openpyxl saving a workbook with the same sheets and no content)."""

from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from xlmv.policy import load_policy
from xlmv_workbook.template import layout
from xlmv_workbook.template.build import template_bytes


def best(run: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def empty_workbook() -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name in layout.SHEETS:
        wb.create_sheet(name)
    wb.save(io.BytesIO())


def main() -> None:
    policy = load_policy()
    template_bytes(policy)  # warm imports
    baseline = best(empty_workbook)
    build = best(lambda: template_bytes(policy))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "申报表.xlsx"
        command = best(
            lambda: subprocess.run(
                [sys.executable, "-m", "xlmv.cli", "template", "-o", str(target), "--force"],
                check=True,
                capture_output=True,
            ),
            repeat=3,
        )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}, Python {platform.python_version()}"
    )
    print(
        f"baseline: openpyxl saves the same {len(layout.SHEETS)} sheets, empty   {baseline * 1000:7.1f} ms   1.0×"
    )
    print(
        f"build the template in-process                      {build * 1000:7.1f} ms   {build / baseline:.1f}×"
    )
    print(
        f"`xlmv template -o …` as a command (with start-up)   {command * 1000:7.1f} ms   {command / baseline:.1f}×"
    )
    print(f"target ≤ 1 s: {'met' if command <= 1 else 'missed'}")


if __name__ == "__main__":
    main()
