"""数电发票 (全电发票) XML: the published EInvoice structure, parsed with defusedxml (no DTD, no entities)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from xlmv.evidence.documents import Invoice, Party
from xlmv_workbook.materials.limits import LIMITS, MaterialError, MaterialLimits, check_file
from xlmv_workbook.materials.textparse import parse_date, parse_money

__all__ = ["parse_einvoice", "read_einvoice_xml"]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: Element, *names: str) -> str:
    """The text of the first element with one of these local names, anywhere in the document."""
    wanted = set(names)
    for element in root.iter():
        if _local(element.tag) in wanted and (element.text or "").strip():
            return (element.text or "").strip()
    return ""


def parse_einvoice(path: Path | str, data: bytes) -> Invoice | None:
    """An invoice from 数电 XML bytes; None when the XML is not an EInvoice. Raises ``MaterialError``
    for a DTD (XXE, billion laughs) or malformed XML."""
    try:
        root = DefusedET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise MaterialError(path, "XML 含有 DTD 或实体声明（可能是恶意构造的文件），已拒绝读取") from None
    except ParseError as exc:
        raise MaterialError(path, f"不是有效的 XML（{exc}），文件可能已损坏") from None
    if _local(root.tag) != "EInvoice":
        return None
    kind = _find(root, "LabelName") or "普通发票"
    issued = _find(root, "IssueTime", "RequestTime")
    date: dt.date | None = parse_date(issued) if issued else None

    def money(*names: str):  # type: ignore[no-untyped-def]
        text = _find(root, *names)
        return parse_money(text) if text else None

    return Invoice(
        label=f"电子发票（{kind}）",
        number=_find(root, "InvoiceNumber", "EIid"),
        date=date,
        buyer=Party(name=_find(root, "BuyerName"), tax_id=_find(root, "BuyerIdNum")),
        seller=Party(name=_find(root, "SellerName"), tax_id=_find(root, "SellerIdNum")),
        amount=money("TotalAmWithoutTax"),
        tax=money("TotalTaxAm"),
        total=money("TotalTax-includedAmount"),
    )


def read_einvoice_xml(path: Path, limits: MaterialLimits = LIMITS) -> Invoice | None:
    size = check_file(path, limits)
    if size > limits.max_xml_size:
        raise MaterialError(path, f"XML 文件超过 {limits.max_xml_size // (1024 * 1024)} MB，已拒绝读取")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MaterialError(path, f"无法读取文件：{exc.strerror or exc}") from None
    return parse_einvoice(path, data)
