"""Property tests for the document parsers: any text is taken without an exception, and an invoice laid
out as on paper (the PDF/OFD face) reads back exactly, whatever its names, numbers and amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xlmv.evidence.documents import Party
from xlmv.evidence.names import names_match, normalise_name
from xlmv_workbook.materials import samples
from xlmv_workbook.materials.einvoice_xml import parse_einvoice
from xlmv_workbook.materials.textparse import parse_contract, parse_invoice, parse_settlement

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
names = st.text(CJK, min_size=2, max_size=20).map(lambda s: f"北京{s}有限公司（虚构示例）")
tax_ids = st.from_regex(r"9111[0-9]{4}[0-9A-HJ-NPQRTUWXY]{10}", fullmatch=True)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
numbers = st.from_regex(r"[0-9]{20}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parsers_take_any_text(text: str) -> None:
    parse_invoice(text)
    parse_settlement(text)
    parse_contract(text)


@settings(max_examples=150, deadline=None)
@given(numbers, dates, names, tax_ids, names, tax_ids, amounts, st.sampled_from(["digital", "vat"]))
def test_printed_invoice_reads_back(
    number: str,
    date: dt.date,
    buyer: str,
    buyer_id: str,
    seller: str,
    seller_id: str,
    total: Decimal,
    style: str,
) -> None:
    invoice = samples.make_invoice(
        number, date, Party(name=buyer, tax_id=buyer_id), Party(name=seller, tax_id=seller_id), total
    )
    text = "\n".join(t for _, _, t, _ in samples.invoice_lines(invoice, style=style))
    read = parse_invoice(text)
    assert read is not None
    assert (read.number, read.date, read.buyer, read.seller) == (number, date, invoice.buyer, invoice.seller)
    assert (read.amount, read.tax, read.total) == (invoice.amount, invoice.tax, invoice.total)
    xml = parse_einvoice("x.xml", samples.invoice_xml_bytes(invoice))
    assert xml is not None and xml.model_dump(exclude={"label"}) == invoice.model_dump(exclude={"label"})


@given(st.text(max_size=30))
def test_name_normalising_is_idempotent_and_ignores_spacing(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once
    if name.strip():
        assert names_match(name, " ".join(name))
