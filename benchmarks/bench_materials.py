"""How fast the materials readers are: 1,000 fictional invoices in a mix of formats.

Run with ``python benchmarks/bench_materials.py [--invoices 1000]``.

The invoices (``xlmv_workbook.materials.samples``, fictional, a fixed seed) are a quarter each 数电发票 PDF,
增值税电子普通发票 PDF, OFD (tags and the attached XML) and 数电发票 XML. Measured in one run:

* ``read_document`` over all of them, as ``xlmv materials`` reads them (limits, safety checks, text
  extraction, field recognition);
* the baseline: just opening the PDFs among them with pypdf (``PdfReader`` and the page count), and
  opening plus extracting their text (``extract_text``), the least any reader of PDF invoices does.

Reported per document and as ratios to the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import platform
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from xlmv.evidence.documents import Party
from xlmv_workbook.materials import samples
from xlmv_workbook.materials.reading import read_document

SEED = 20240901
BUYER = Party(name="北京基准示例科技有限公司（虚构示例）", tax_id="91110108MA01XHQ454")
SELLERS = [Party(name=f"北京虚构模型服务有限公司{n}", tax_id=f"9111000000000000{n:02d}") for n in range(10)]


def build(folder: Path, count: int) -> list[Path]:
    rng = random.Random(SEED)
    paths = []
    for n in range(count):
        invoice = samples.make_invoice(
            f"2411{n:016d}",
            dt.date(2024, 9, 1) + dt.timedelta(days=rng.randrange(200)),
            BUYER,
            rng.choice(SELLERS),
            Decimal(rng.randrange(10_000, 5_000_000)),
        )
        kind = n % 4
        if kind == 0:
            paths.append(samples.invoice_pdf(folder / f"{n}.pdf", invoice))
        elif kind == 1:
            paths.append(samples.invoice_pdf(folder / f"{n}.pdf", invoice, style="vat"))
        elif kind == 2:
            paths.append(samples.invoice_ofd(folder / f"{n}.ofd", invoice))
        else:
            paths.append(samples.invoice_xml(folder / f"{n}.xml", invoice))
    return paths


def timed(run) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = build(Path(tmp), args.invoices)
        pdfs = [p for p in paths if p.suffix == ".pdf"]
        pdf_bytes = {p: p.read_bytes() for p in pdfs}

        def read_all() -> None:
            for p in paths:
                doc = read_document(p, p.name, "invoice")
                assert doc.invoice is not None and doc.invoice.total is not None, doc

        def open_pdfs() -> None:
            for p in pdfs:
                assert len(PdfReader(io.BytesIO(pdf_bytes[p])).pages) == 1

        def extract_pdfs() -> None:
            for p in pdfs:
                assert PdfReader(io.BytesIO(pdf_bytes[p])).pages[0].extract_text()

        def read_pdfs() -> None:
            for p in pdfs:
                assert read_document(p, p.name, "invoice").invoice is not None

        def pdfminer_pdfs() -> None:
            from pdfminer.high_level import extract_text

            for p in pdfs:
                assert extract_text(io.BytesIO(pdf_bytes[p]))

        try:
            import pdfminer  # noqa: F401  (not a dependency: the alternative weighed in the README)

            pdfminer_pdfs()
            miner: float | None = min(timed(pdfminer_pdfs) for _ in range(2))
        except ImportError:
            miner = None
        read_all()  # warm up imports and caches
        full = min(timed(read_all) for _ in range(2))
        opened = min(timed(open_pdfs) for _ in range(2))
        extracted = min(timed(extract_pdfs) for _ in range(2))
        ours_pdf = min(timed(read_pdfs) for _ in range(2))
    per = lambda seconds, n: f"{seconds / n * 1000:.2f} ms/document"  # noqa: E731
    print(
        f"read_document, {len(paths)} invoices (PDF, OFD, XML mixed): {full:.2f} s, {per(full, len(paths))}"
    )
    print(f"pypdf open + page count, {len(pdfs)} PDFs: {opened:.2f} s, {per(opened, len(pdfs))}")
    print(f"pypdf open + extract_text, {len(pdfs)} PDFs: {extracted:.2f} s, {per(extracted, len(pdfs))}")
    print(f"read_document on the PDFs only: {ours_pdf:.2f} s, {per(ours_pdf, len(pdfs))}")
    if miner is not None:
        print(
            f"pdfminer.six extract_text, {len(pdfs)} PDFs: {miner:.2f} s, {per(miner, len(pdfs))} ({miner / extracted:.2f}x pypdf)"
        )
    print(
        f"ratio, mixed read per document / pypdf open per PDF: {(full / len(paths)) / (opened / len(pdfs)):.1f}x"
    )
    print(
        f"ratio, PDF read / pypdf open: {ours_pdf / opened:.1f}x; PDF read / pypdf open+extract: {ours_pdf / extracted:.2f}x"
    )


if __name__ == "__main__":
    main()
