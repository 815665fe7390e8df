"""Reading supporting documents (xlmv_workbook.materials): every format, built here from fictional data,
and the refusals for hostile or broken files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from xlmv.evidence.documents import DocKind, Party, Settlement
from xlmv_workbook.materials import samples
from xlmv_workbook.materials.limits import MaterialLimits
from xlmv_workbook.materials.reading import read_document
from xlmv_workbook.materials.textparse import parse_invoice

BUYER = Party(name="北京星河智算科技有限公司（示例）", tax_id="91110108MA01XHQ454")
SELLER = Party(name="北京百度网讯科技有限公司", tax_id="91110000802100433B")
INVOICE = samples.make_invoice(
    "24112000000000000001", dt.date(2024, 12, 1), BUYER, SELLER, Decimal("1060000.00")
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_invoice(doc) -> None:
    assert doc.problem == "" and doc.kind is DocKind.INVOICE, doc
    inv = doc.invoice
    assert inv.number == INVOICE.number
    assert inv.date == INVOICE.date
    assert inv.buyer == BUYER and inv.seller == SELLER
    assert (inv.amount, inv.tax, inv.total) == (INVOICE.amount, INVOICE.tax, INVOICE.total)


@pytest.mark.parametrize("style", ["digital", "vat"])
def test_invoice_pdf(tmp_path: Path, style: str) -> None:
    path = samples.invoice_pdf(tmp_path / "发票.pdf", INVOICE, style=style)
    before = digest(path)
    doc = read_document(path, "发票.pdf", "invoice")
    assert_invoice(doc)
    assert ("增值税" in doc.invoice.label) == (style == "vat")
    assert digest(path) == before


def test_invoice_xml(tmp_path: Path) -> None:
    assert_invoice(read_document(samples.invoice_xml(tmp_path / "a.xml", INVOICE), "a.xml", "invoice"))


@pytest.mark.parametrize(
    ("tags", "attachment"), [(True, True), (True, False), (False, False)], ids=["attachment", "tags", "text"]
)
def test_invoice_ofd(tmp_path: Path, tags: bool, attachment: bool) -> None:
    path = samples.invoice_ofd(tmp_path / "a.ofd", INVOICE, tags=tags, attachment=attachment)
    before = digest(path)
    assert_invoice(read_document(path, "a.ofd", "invoice"))
    assert digest(path) == before


def test_ofd_source_precedence(tmp_path: Path) -> None:
    """The attached XML wins over the tags, the tags over the page text."""
    path = samples.invoice_ofd(tmp_path / "a.ofd", INVOICE)
    other = INVOICE.model_copy(update={"number": "99999999999999999999"})
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("original_invoice.xml"):
                body = samples.invoice_xml_bytes(other)
            dst.writestr(info, body)
    changed = tmp_path / "b.ofd"
    changed.write_bytes(data.getvalue())
    assert read_document(changed, "b.ofd", "invoice").invoice.number == other.number


def test_settlement_xlsx_and_pdf(tmp_path: Path) -> None:
    s = Settlement(
        provider=SELLER.name,
        service="文心一言 API",
        period_start=dt.date(2024, 9, 1),
        period_end=dt.date(2025, 3, 20),
        amount=Decimal("6200000.50"),
    )
    for path in (
        samples.settlement_xlsx(tmp_path / "s.xlsx", s, BUYER.name),
        samples.settlement_pdf(tmp_path / "s.pdf", s),
    ):
        doc = read_document(path, path.name, "settlement")
        assert doc.kind is DocKind.SETTLEMENT, doc
        assert doc.settlement == s


def test_contract_pdf_signing_date(tmp_path: Path) -> None:
    path = samples.contract_pdf(
        tmp_path / "c.pdf", BUYER.name, SELLER.name, dt.date(2024, 10, 8), "大模型采购"
    )
    doc = read_document(path, "c.pdf", "contract")
    assert doc.contract.has_text and doc.contract.signing_date == dt.date(2024, 10, 8)
    undated = samples.contract_pdf(tmp_path / "d.pdf", BUYER.name, SELLER.name, None, "大模型采购")
    assert read_document(undated, "d.pdf", "contract").contract.signing_date is None


def test_image_only_pdf_is_a_scan(tmp_path: Path) -> None:
    doc = read_document(samples.image_only_pdf(tmp_path / "scan.pdf"), "scan.pdf", "invoice")
    assert doc.image_only and doc.invoice is None and not doc.readable


def test_encrypted_pdf_is_refused_by_name(tmp_path: Path) -> None:
    path = samples.encrypted_pdf(tmp_path / "locked.pdf")
    before = digest(path)
    doc = read_document(path, "产品1/locked.pdf", "invoice")
    assert "已加密" in doc.problem and doc.file == "产品1/locked.pdf"
    assert digest(path) == before


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7\n1 0 obj<<>>garbage", b"not a pdf at all", b""], ids=["broken", "not-pdf", "empty"]
)
def test_broken_pdf_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    doc = read_document(path, "bad.pdf", "invoice")
    assert doc.problem and doc.invoice is None


def test_pdf_page_and_size_limits(tmp_path: Path) -> None:
    path = samples.invoice_pdf(tmp_path / "a.pdf", INVOICE)
    assert "页" in read_document(path, "a.pdf", "invoice", MaterialLimits(max_pdf_pages=0)).problem
    assert "超过上限" in read_document(path, "a.pdf", "invoice", MaterialLimits(max_file_size=100)).problem


def test_zip_bomb_ofd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.ofd"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", b"<OFD/>")
        zf.writestr("Doc_0/pad.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>")
    doc = read_document(path, "bomb.ofd", "invoice")
    assert "压缩炸弹" in doc.problem


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE EInvoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<EInvoice><TaxSupervisionInfo><InvoiceNumber>&xxe;</InvoiceNumber></TaxSupervisionInfo></EInvoice>"""


def test_xxe_xml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(XXE)
    doc = read_document(path, "x.xml", "invoice")
    assert "DTD" in doc.problem and doc.invoice is None


def test_xxe_inside_ofd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("OFD.xml", XXE)
    assert "DTD" in read_document(path, "x.ofd", "invoice").problem


def test_ofd_path_outside_the_package_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.ofd"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("OFD.xml", b"<OFD><DocBody><DocRoot>../../etc/Document.xml</DocRoot></DocBody></OFD>")
    assert "包外" in read_document(path, "x.ofd", "invoice").problem


def test_text_parser_reads_side_by_side_layout() -> None:
    text = (
        "电子发票（增值税专用发票）\n发票号码: 24112000000000000009  开票日期: 2024-10-05\n"
        "名称：甲公司  名称：乙公司\n统一社会信用代码/纳税人识别号：91110108MA01XHQ454  "
        "统一社会信用代码/纳税人识别号：91110000802100433B\n合 计 ¥100.00 ¥6.00\n价税合计(大写) 壹佰零陆圆整 (小写)¥106.00"
    )
    inv = parse_invoice(text)
    assert inv.buyer == Party(name="甲公司", tax_id="91110108MA01XHQ454")
    assert inv.seller == Party(name="乙公司", tax_id="91110000802100433B")
    assert inv.date == dt.date(2024, 10, 5) and inv.total == Decimal("106.00") and inv.tax == Decimal("6.00")
    assert parse_invoice("没有号码的文字") is None


def test_rmb_upper() -> None:
    assert samples.rmb_upper(Decimal("1060000.50")) == "壹佰零陆万圆伍角"
    assert samples.rmb_upper(Decimal("100.07")) == "壹佰圆零柒分"
    assert samples.rmb_upper(Decimal("4000000")) == "肆佰万圆整"


def test_ofd_without_text_is_a_scan(tmp_path: Path) -> None:
    path = tmp_path / "scan.ofd"
    data = io.BytesIO(samples.invoice_ofd_bytes(INVOICE, tags=False, attachment=False))
    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("Content.xml"):
                body = b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"/></ofd:Content></ofd:Page>'
            dst.writestr(info, body)
    path.write_bytes(out.getvalue())
    doc = read_document(path, "scan.ofd", "invoice")
    assert doc.image_only and doc.problem == ""
