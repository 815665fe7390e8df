"""OFD documents (GB/T 33190) read as what they are: a ZIP of XML parts, through defusedxml.

The package first passes the workbook's ZIP checks (entry count, total and per-entry size, compression
ratio, real size against the declared one, CRC, no DTD in any XML part). Then: ``OFD.xml`` → DocRoot
(``Doc_0/Document.xml``) → each page's Content.xml; the page text is the TextObjects' TextCode, in
reading order (top to bottom, left to right). For invoices the most exact source wins: the original
数电 XML attached to the file, else the invoice custom tags (which point at TextObjects by ID), else
the page text as on paper.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from xlmv.evidence.documents import Invoice, Party
from xlmv_workbook.materials.einvoice_xml import parse_einvoice
from xlmv_workbook.materials.limits import LIMITS, MaterialError, MaterialLimits, check_file
from xlmv_workbook.materials.textparse import parse_date, parse_money
from xlmv_workbook.xlsx.safety import WorkbookError, check_zip_package

__all__ = ["OfdDocument", "read_ofd"]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class OfdDocument:
    text: str
    pages: int
    attached_invoice: Invoice | None = None
    tagged_invoice: Invoice | None = None
    objects: dict[str, str] = field(default_factory=dict)


class _Package:
    def __init__(self, path: Path, zf: zipfile.ZipFile, limits: MaterialLimits) -> None:
        self.path, self.zf, self.limits = path, zf, limits
        self.names = set(zf.namelist())

    def xml(self, part: str) -> Element:
        if part not in self.names:
            raise MaterialError(self.path, f"OFD 缺少部件 {part}，文件不完整或已损坏")
        if self.zf.getinfo(part).file_size > self.limits.max_xml_size:
            raise MaterialError(self.path, f"OFD 部件 {part} 过大，已拒绝读取")
        try:
            return DefusedET.fromstring(self.zf.read(part), forbid_dtd=True)
        except DefusedXmlException:
            raise MaterialError(
                self.path, f"OFD 部件 {part} 含有 DTD 或实体声明（可能是恶意构造的文件），已拒绝读取"
            ) from None
        except ParseError as exc:
            raise MaterialError(self.path, f"OFD 部件 {part} 不是有效的 XML（{exc}）") from None

    def resolve(self, base: str, location: str) -> str:
        """A location inside the package: absolute (``/Doc_0/…``) or relative to ``base``'s folder."""
        location = location.strip().replace("\\", "/")
        joined = (
            location.lstrip("/")
            if location.startswith("/")
            else posixpath.join(posixpath.dirname(base), location)
        )
        part = posixpath.normpath(joined)
        if part.startswith("../") or part == "..":
            raise MaterialError(self.path, f"OFD 引用了包外的路径 {location!r}，已拒绝读取")
        return part


def _child_text(element: Element, name: str) -> str:
    for child in element.iter():
        if _local(child.tag) == name and (child.text or "").strip():
            return (child.text or "").strip()
    return ""


def read_ofd(path: Path, limits: MaterialLimits = LIMITS) -> OfdDocument:
    check_file(path, limits)
    try:
        check_zip_package(path, limits.ofd_zip)
        with zipfile.ZipFile(path) as zf:
            return _read(_Package(path, zf, limits))
    except WorkbookError as exc:
        raise MaterialError(path, f"OFD 文件无法读取：{exc.problem}") from None
    except zipfile.BadZipFile:
        raise MaterialError(path, "不是有效的 OFD 文件（不是 ZIP 格式），可能已损坏或被改了扩展名") from None
    except OSError as exc:
        raise MaterialError(path, f"无法读取文件：{exc.strerror or exc}") from None


def _read(pkg: _Package) -> OfdDocument:
    root = pkg.xml("OFD.xml")
    doc_root = _child_text(root, "DocRoot")
    if not doc_root:
        raise MaterialError(pkg.path, "OFD.xml 中没有 DocRoot，不是有效的 OFD 文件")
    document_part = pkg.resolve("OFD.xml", doc_root)
    document = pkg.xml(document_part)
    pages = [e.get("BaseLoc", "") for e in document.iter() if _local(e.tag) == "Page" and e.get("BaseLoc")]
    if len(pages) > pkg.limits.max_pdf_pages:
        raise MaterialError(pkg.path, f"OFD 共 {len(pages)} 页，超过上限 {pkg.limits.max_pdf_pages} 页")
    objects: dict[str, str] = {}
    lines: list[str] = []
    for location in pages:
        page_text, page_objects = _page(pkg, pkg.resolve(document_part, location))
        objects.update(page_objects)
        lines.append(page_text)
    text = "\n".join(lines)
    if len(text) > pkg.limits.max_text_chars:
        raise MaterialError(pkg.path, f"OFD 文字超过 {pkg.limits.max_text_chars} 字，已拒绝读取")
    result = OfdDocument(text=text, pages=len(pages), objects=objects)
    result.attached_invoice = _attachment(pkg, document_part, document)
    result.tagged_invoice = _tags(pkg, document_part, document, objects)
    return result


def _page(pkg: _Package, part: str) -> tuple[str, dict[str, str]]:
    """The page's text in reading order, and every TextObject's text by ID."""
    placed: list[tuple[float, float, str]] = []
    objects: dict[str, str] = {}
    for element in pkg.xml(part).iter():
        if _local(element.tag) != "TextObject":
            continue
        codes = [c for c in element if _local(c.tag) == "TextCode"]
        text = "".join(c.text or "" for c in codes)
        objects[element.get("ID", "")] = text
        try:
            box = [float(v) for v in (element.get("Boundary") or "0 0 0 0").split()]
            y0 = float(codes[0].get("Y", "0")) if codes else 0.0
        except ValueError:
            box, y0 = [0.0, 0.0], 0.0
        placed.append((round(box[1] + y0, 1), box[0], text))
    placed.sort()
    lines: list[list[tuple[float, str]]] = []
    last_y: float | None = None
    for y, x, text in placed:
        if last_y is None or abs(y - last_y) > 1.0:
            lines.append([])
        lines[-1].append((x, text))
        last_y = y
    return "\n".join("  ".join(t for _, t in sorted(line)) for line in lines), objects


def _location(document: Element, name: str) -> str:
    return next(
        ((e.text or "").strip() for e in document.iter() if _local(e.tag) == name and (e.text or "").strip()),
        "",
    )


def _attachment(pkg: _Package, document_part: str, document: Element) -> Invoice | None:
    list_location = _location(document, "Attachments")
    if not list_location:
        return None
    list_part = pkg.resolve(document_part, list_location)
    for attachment in pkg.xml(list_part).iter():
        if _local(attachment.tag) != "Attachment" or (attachment.get("Format") or "").lower() != "xml":
            continue
        file_loc = _child_text(attachment, "FileLoc")
        if not file_loc:
            continue
        part = pkg.resolve(list_part, file_loc)
        if part not in pkg.names:
            continue
        if pkg.zf.getinfo(part).file_size > pkg.limits.max_xml_size:
            raise MaterialError(pkg.path, f"OFD 附件 {part} 过大，已拒绝读取")
        invoice = parse_einvoice(pkg.path, pkg.zf.read(part))
        if invoice is not None:
            return invoice
    return None


_TAGS = (
    "InvoiceNo",
    "IssueDate",
    "BuyerName",
    "BuyerTaxID",
    "SellerName",
    "SellerTaxID",
    "TaxExclusiveTotalAmount",
    "TaxTotalAmount",
    "TaxInclusiveTotalAmount",
)


def _tags(pkg: _Package, document_part: str, document: Element, objects: dict[str, str]) -> Invoice | None:
    """The invoice custom tags: each tag element holds ObjectRefs to the TextObjects showing its value."""
    list_location = _location(document, "CustomTags")
    if not list_location:
        return None
    list_part = pkg.resolve(document_part, list_location)
    values: dict[str, str] = {}
    for tag in pkg.xml(list_part).iter():
        if _local(tag.tag) != "CustomTag":
            continue
        file_loc = _child_text(tag, "FileLoc")
        if not file_loc:
            continue
        for element in pkg.xml(pkg.resolve(list_part, file_loc)).iter():
            name = _local(element.tag)
            if name in _TAGS and name not in values:
                refs = [(r.text or "").strip() for r in element.iter() if _local(r.tag) == "ObjectRef"]
                values[name] = "".join(objects.get(r, "") for r in refs).strip()
    if not values.get("InvoiceNo"):
        return None

    def money(name: str):  # type: ignore[no-untyped-def]
        return parse_money(values[name]) if values.get(name) else None

    return Invoice(
        label="电子发票",
        number=values["InvoiceNo"],
        date=parse_date(values.get("IssueDate", "")),
        buyer=Party(name=values.get("BuyerName", ""), tax_id=values.get("BuyerTaxID", "")),
        seller=Party(name=values.get("SellerName", ""), tax_id=values.get("SellerTaxID", "")),
        amount=money("TaxExclusiveTotalAmount"),
        tax=money("TaxTotalAmount"),
        total=money("TaxInclusiveTotalAmount"),
    )
