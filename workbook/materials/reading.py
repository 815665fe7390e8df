"""One supporting document → ``xlmv.evidence.documents.Document``: chosen by extension, read by what the
checklist item expects (an invoice, a settlement statement, a contract, or anything). Never raises for a
bad file: the reason goes into ``Document.problem``; the file is only read."""

from __future__ import annotations

from pathlib import Path

from xlmv.evidence.documents import DocKind, Document, Settlement
from xlmv_workbook.materials.einvoice_xml import read_einvoice_xml
from xlmv_workbook.materials.limits import LIMITS, MaterialError, MaterialLimits, check_file
from xlmv_workbook.materials.ofd import read_ofd
from xlmv_workbook.materials.pdf import pdf_text
from xlmv_workbook.materials.textparse import (
    parse_contract,
    parse_date,
    parse_invoice,
    parse_money,
    parse_settlement,
)

__all__ = ["READABLE", "Role", "read_document"]

Role = str  # "invoice" / "settlement" / "contract" / "" (anything: existence only)
READABLE = {".pdf": "PDF", ".ofd": "OFD", ".xml": "XML", ".xlsx": "XLSX", ".xlsm": "XLSX"}


def read_document(path: Path, shown: str, role: Role = "", limits: MaterialLimits = LIMITS) -> Document:
    """Read ``path`` (shown to the user as ``shown``) for a checklist item of the given role."""
    fmt = READABLE.get(path.suffix.lower(), path.suffix.lstrip(".").upper() or "无扩展名")
    try:
        return _read(path, shown, fmt, role, limits)
    except MaterialError as exc:
        return Document(file=shown, format=fmt, problem=exc.problem)
    except Exception as exc:  # one unexpected failure must not stop the others
        return Document(
            file=shown, format=fmt, problem=f"读取时发生意外错误（{type(exc).__name__}），需人工核对"
        )


def _read(path: Path, shown: str, fmt: str, role: Role, limits: MaterialLimits) -> Document:
    suffix = path.suffix.lower()
    if suffix == ".xml":
        invoice = read_einvoice_xml(path, limits)
        if invoice is None:
            return Document(file=shown, format=fmt)
        return Document(file=shown, format=fmt, kind=DocKind.INVOICE, invoice=invoice)
    if suffix in (".xlsx", ".xlsm"):
        settlement = read_settlement_xlsx(path, limits) if role == "settlement" else None
        if settlement is None:
            check_file(path, limits)
            return Document(file=shown, format=fmt)
        return Document(file=shown, format=fmt, kind=DocKind.SETTLEMENT, settlement=settlement)
    if suffix == ".ofd":
        ofd = read_ofd(path, limits)
        invoice = ofd.attached_invoice or ofd.tagged_invoice
        if invoice is None and not ofd.text.strip():  # pages of images only: a scan
            return Document(file=shown, format=fmt, image_only=True)
        return _from_text(shown, fmt, role, ofd.text, invoice_first=invoice)
    if suffix == ".pdf":
        text = pdf_text(path, limits)
        if text.image_only:
            return Document(file=shown, format=fmt, image_only=True)
        return _from_text(shown, fmt, role, text.text)
    check_file(path, limits)  # another format (a photo, a Word file): its existence is all we check
    if role in ("invoice", "settlement"):
        return Document(
            file=shown, format=fmt, image_only=suffix in (".jpg", ".jpeg", ".png", ".tif", ".tiff")
        )
    return Document(file=shown, format=fmt)


def _from_text(shown: str, fmt: str, role: Role, text: str, invoice_first=None) -> Document:  # type: ignore[no-untyped-def]
    if role in ("invoice", "") or invoice_first is not None:
        invoice = invoice_first or parse_invoice(text)
        if invoice is not None:
            return Document(file=shown, format=fmt, kind=DocKind.INVOICE, invoice=invoice)
    if role == "settlement":
        settlement = parse_settlement(text)
        if settlement is not None:
            return Document(file=shown, format=fmt, kind=DocKind.SETTLEMENT, settlement=settlement)
    if role == "contract":
        return Document(file=shown, format=fmt, kind=DocKind.CONTRACT, contract=parse_contract(text))
    return Document(file=shown, format=fmt)


_LABELS = {
    "provider": ("服务提供方", "出具方", "供给企业", "提供方"),
    "service": ("模型服务", "服务名称", "服务内容"),
    "period": ("结算期间", "结算周期"),
    "amount": ("结算金额", "结算总金额", "合计金额"),
}


def read_settlement_xlsx(path: Path, limits: MaterialLimits = LIMITS) -> Settlement | None:
    """A settlement statement workbook: label cells (服务提供方、模型服务、结算期间、结算金额) with the value in
    the next non-empty cell to the right, on the first sheet. Same safety checks as a declaration."""
    from xlmv_workbook.xlsx.calamine import calamine_book
    from xlmv_workbook.xlsx.safety import WorkbookError, open_checks

    check_file(path, limits)
    try:
        open_checks(path)
    except WorkbookError as exc:
        raise MaterialError(path, exc.problem) from None
    with calamine_book(path, lambda problem: MaterialError(path, problem), "工作簿内容") as book:
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False, nrows=200)
    found: dict[str, object] = {}
    title = False
    for row in rows:
        cells = [c for c in row[:20] if c not in ("", None)]
        if not cells:
            continue
        head = str(cells[0]).strip()
        title = title or "结算单" in head
        for key, labels in _LABELS.items():
            if key not in found and len(cells) > 1 and any(head.startswith(label) for label in labels):
                found[key] = cells[1]
    if not title and not found:
        return None
    period = str(found.get("period", ""))
    parts = [parse_date(p) for p in period.replace("至", "~").replace("—", "~").split("~")]
    amount = found.get("amount")
    value = parse_money(str(amount)) if isinstance(amount, (str, int, float)) else None
    if isinstance(amount, float):
        value = parse_money(f"{amount:.2f}")
    return Settlement(
        provider=str(found.get("provider", "")).strip(),
        service=str(found.get("service", "")).strip(),
        period_start=parts[0] if parts else None,
        period_end=parts[1] if len(parts) > 1 else None,
        amount=value,
    )
