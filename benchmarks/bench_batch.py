"""How fast ``xlmv batch`` is: 1,000 filled declaration workbooks into one review workbook.

Run with ``python benchmarks/bench_batch.py [--files 1000] [--baseline-sample 100] [--keep DIR]``.

The files: ``DISTINCT`` declarations (one to three products, API or private deployment, random amounts
across every tier, application dates spread over 2025) are filled into the real template with
``xlmv_workbook.template.fill.fill_template`` (openpyxl, once each); the other files are byte copies of them whose
strings are patched to another enterprise (统一社会信用代码 with a valid check character, and its
name), so about ``ENTERPRISES`` enterprises apply several times each and the enterprise-year cap binds
for some of them. A fixed seed makes every run build the same files.

Measured in one run, on this machine:

* ``xlmv batch`` as a user runs it (a subprocess, CPU-count worker processes, progress off), and the
  same through the Python API (``run_batch``) in this process, which leaves out interpreter start-up;
* two baselines, the same files read with plain openpyxl (``load_workbook(read_only=True,
  data_only=True)``), one process, on samples scaled to all files (openpyxl is that slow):
  - "per cell": every input cell read as ``ws[cell].value``, the obvious script (in read-only mode each
    access streams the sheet again), on ``--cell-sample`` files;
  - "one pass": the input cells picked from one pass over each sheet's rows, the fastest plain-openpyxl
    reading, on ``--baseline-sample`` files.
  The baselines only read cells; ``xlmv batch`` also checks the files' safety, assesses every
  declaration and writes the review workbook.

Targets: batch ≤ 1/10 of the baseline, and ≤ 5 s for 1,000 files on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from stdnum.cn import uscc as stdnum_uscc

from xlmv import examples
from xlmv.declaration import Declaration, Product
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.template import layout
from xlmv_workbook.template.build import write_template
from xlmv_workbook.template.fill import fill_template

SEED = 20240901
DISTINCT = 40
ENTERPRISES = 300
VALID = examples.load(examples.VALID)  # every declaration is the packaged example with other products
BASE_USCC = VALID.company.uscc
BASE_NAME = VALID.company.name
TARGET_SECONDS = 5.0
TARGET_RATIO = 0.1


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def _product(rng: random.Random, n: int) -> Product:
    """The example's API product with one to three services, or its private deployment, random amounts."""
    api, private = VALID.products
    if rng.random() < 0.6:
        services = []
        for s in range(rng.randint(1, 3)):
            amount = _amount(rng, 80_000, 8_000_000)
            pattern = api.services[s % len(api.services)]
            services.append(
                pattern.model_copy(
                    update={"settled_amount": amount, "paid_amount": amount, "claimed_amount": amount}
                )
            )
        return api.model_copy(update={"name": f"大模型应用{n}号", "services": services})
    amount = _amount(rng, 400_000, 12_000_000)
    assert private.procurement is not None
    procurement = private.procurement.model_copy(
        update={
            "contract_amount": amount,
            "procurement_amount": amount,
            "compute_fees": Decimal(0),
            "data_fees": Decimal(0),
            "paid_amount": amount,
        }
    )
    return private.model_copy(update={"name": f"大模型应用{n}号", "procurement": procurement})


def declaration(rng: random.Random) -> Declaration:
    return VALID.model_copy(
        update={
            "application_date": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300)),
            "products": [_product(rng, n + 1) for n in range(rng.randint(1, 3))],
            "prior_year_award": Decimal(rng.choice([0, 0, 0, 1_000_000, 3_000_000])),
        }
    )


def enterprise(n: int) -> tuple[str, str]:
    body = f"91110108MA{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body), f"测试企业{n:04d}科技有限公司"


def patched(base: bytes, uscc: str, name: str) -> bytes:
    """A copy of a filled workbook with another enterprise in its strings (openpyxl writes them inline)."""
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet") or info.filename == "xl/sharedStrings.xml":
                data = data.replace(BASE_USCC.encode(), uscc.encode()).replace(
                    BASE_NAME.encode(), name.encode()
                )
            target.writestr(info.filename, data)
    return out.getvalue()


def generate(folder: Path, count: int) -> list[Path]:
    rng = random.Random(SEED)
    template = write_template(folder / "模板" / "模板.xlsx")
    bases = []
    for n in range(DISTINCT):
        path = fill_template(template, declaration(rng), folder / "基准" / f"基准{n:02d}.xlsx")
        bases.append(path.read_bytes())
    shutil.rmtree(folder / "基准")
    shutil.rmtree(folder / "模板")
    files = []
    for n in range(count):
        uscc, name = enterprise(rng.randrange(ENTERPRISES))
        path = folder / "申报" / f"{n // 100:02d}" / f"申报{n:04d}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(patched(bases[n % DISTINCT], uscc, name))
        files.append(path)
    return files


def baseline_default(paths: list[Path]) -> float:
    """Plain openpyxl as most code uses it: ``load_workbook(path)``, every input cell read by its address."""
    start = time.perf_counter()
    for path in paths:
        wb = load_workbook(path)
        values = {f.path: wb[f.sheet][f.cell].value for f in layout.fields()}
        wb.close()
        assert values, path
    return time.perf_counter() - start


def baseline_per_cell(paths: list[Path]) -> float:
    """Plain openpyxl: read-only, cached values, every input cell read by its address."""
    start = time.perf_counter()
    for path in paths:
        wb = load_workbook(path, read_only=True, data_only=True)
        values = {f.path: wb[f.sheet][f.cell].value for f in layout.fields()}
        wb.close()
        assert values, path
    return time.perf_counter() - start


def baseline(paths: list[Path]) -> float:
    """Plain openpyxl: read-only, cached values, every input cell from one pass over each sheet."""
    wanted: dict[str, dict[tuple[int, int], str]] = {}
    for f in layout.fields():
        column = "".join(ch for ch in f.cell if ch.isalpha())
        index = 0
        for ch in column:
            index = index * 26 + ord(ch) - 64
        wanted.setdefault(f.sheet, {})[(int(f.cell[len(column) :]), index)] = f.path
    start = time.perf_counter()
    for path in paths:
        wb = load_workbook(path, read_only=True, data_only=True)
        values = {}
        for sheet, cells in wanted.items():
            last = max(r for r, _ in cells)
            for r, row in enumerate(wb[sheet].iter_rows(max_row=last, values_only=True), start=1):
                for c, value in enumerate(row, start=1):
                    if (r, c) in cells:
                        values[cells[(r, c)]] = value
        wb.close()
        assert values, path
    return time.perf_counter() - start


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.platform()


def _verdict(ok: bool) -> str:
    return "达标" if ok else "未达标"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--cell-sample", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="xlmv-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        files = generate(folder, args.files)
        print(f"生成 {len(files)} 个申报表：{time.perf_counter() - start:.1f} s（{folder}）")
        inputs = folder / "申报"

        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "xlmv.cli", "batch", str(inputs), "-o", str(folder / "复核汇总.xlsx")],
            capture_output=True,
            text=True,
            check=False,
        )
        command = time.perf_counter() - start
        if done.returncode not in (0, 1):
            sys.exit(f"xlmv batch failed ({done.returncode}): {done.stderr}")
        print(done.stdout.strip())

        start = time.perf_counter()
        result = run_batch([inputs], folder / "复核汇总-api.xlsx")
        api = time.perf_counter() - start
        assert result.files == len(files)

        start = time.perf_counter()
        single = run_batch([inputs], folder / "复核汇总-单进程.xlsx", jobs=1)
        one_process = time.perf_counter() - start
        assert single.files == len(files)

        default = baseline_default(files[: args.baseline_sample // 5]) / (args.baseline_sample // 5)
        per_cell = baseline_per_cell(files[: args.cell_sample]) / args.cell_sample
        one_pass = baseline(files[: args.baseline_sample]) / args.baseline_sample

        print(
            f"机器：{platform.machine()}，{os.cpu_count()} 核，{_cpu()}，{platform.system()}，"
            f"Python {platform.python_version()}"
        )
        print(f"xlmv batch（子进程，含解释器启动，{os.cpu_count()} 个读取进程）：{command:.2f} s")
        print(f"run_batch（进程内 API）：{api:.2f} s；单进程（--jobs 1）：{one_process:.2f} s")
        scaled = command * 1000 / len(files)
        print(
            f"按 1000 个文件计：{scaled:.2f} s（目标 ≤ {TARGET_SECONDS:.0f} s）：{_verdict(scaled <= TARGET_SECONDS)}"
        )
        for label, per_file, sample in (
            ("基线零 openpyxl 默认 load_workbook，逐格 ws[cell].value", default, args.baseline_sample // 5),
            ("基线一 openpyxl 只读，逐格 ws[cell].value", per_cell, args.cell_sample),
            ("基线二 openpyxl 只读，每表一遍 iter_rows", one_pass, args.baseline_sample),
        ):
            base = per_file * len(files)
            ratio = command / base
            print(
                f"{label}：{per_file * 1000:.1f} ms/文件 × {len(files)} = {base:.1f} s（实测 {sample} 个文件）；"
                f"比值 {ratio:.3f}（单进程 {one_process / base:.3f}；目标 ≤ {TARGET_RATIO}）：{_verdict(ratio <= TARGET_RATIO)}"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
