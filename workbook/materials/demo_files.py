"""The demo's materials folders: fictional invoices, settlement statements and contracts that match each
example declaration, in every format the readers take, plus the planted problems the demo must catch."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xlmv.declaration import Declaration
from xlmv.evidence.documents import Party, Settlement
from xlmv.policy import Policy
from xlmv_workbook.materials import samples
from xlmv_workbook.materials.folder import item_folder

__all__ = ["OTHER_BUYER", "Plan", "link_in_column", "write_materials"]

OTHER_BUYER = Party(name="北京另一家科技有限公司（虚构示例）", tax_id="91110105MA0OTHER7X")
_FORMATS = ("xml", "pdf", "ofd", "vat-pdf", "vat-ofd")


@dataclass
class Plan:
    """What to plant in one example's folder."""

    prefix: str  # the first digits of its invoice numbers (unique per example)
    foreign_buyer: bool = False  # one invoice's buyer is another company
    reuse_number: str = ""  # one invoice carries this number (taken from another application)
    scan: bool = False  # one payment proof is an image-only scan
    numbers: list[str] = field(default_factory=list)  # filled in: every invoice number written


def _tax_id(name: str) -> str:
    """A fictional, stable tax ID for a provider (never a real one)."""
    digest = hashlib.sha256(name.encode()).hexdigest().upper()
    return "91110000" + "".join(c for c in digest if c.isalnum())[:10]


def _split(total: Decimal, parts: int) -> list[Decimal]:
    base = (total / parts).quantize(Decimal("0.01"))
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def write_materials(folder: Path, decl: Declaration, policy: Policy, plan: Plan) -> Path:
    """Write ``folder`` (``<name>-材料/``) with a file for every checklist item of every product."""
    buyer = Party(name=decl.company.name, tax_id=decl.company.uscc)
    date = decl.application_date or dt.date(2025, 3, 31)
    counter = 0
    planted_buyer = planted_number = planted_scan = False

    def number() -> str:
        nonlocal counter
        counter += 1
        return f"{plan.prefix}{counter:0{20 - len(plan.prefix)}d}"

    def write_invoice(target: Path, seller: Party, total: Decimal, when: dt.date, fmt: str) -> None:
        nonlocal planted_buyer, planted_number
        who = buyer
        if plan.foreign_buyer and not planted_buyer:
            who, planted_buyer = OTHER_BUYER, True
        no = number()
        if plan.reuse_number and not planted_number and not (plan.foreign_buyer and who is OTHER_BUYER):
            no, planted_number = plan.reuse_number, True
        plan.numbers.append(no)
        invoice = samples.make_invoice(no, when, who, seller, total)
        style = "vat" if fmt.startswith("vat") else "digital"
        if fmt.endswith("xml"):
            samples.invoice_xml(target.with_suffix(".xml"), invoice)
        elif fmt.endswith("ofd"):
            samples.invoice_ofd(
                target.with_suffix(".ofd"), invoice, style=style, attachment=style == "digital"
            )
        else:
            samples.invoice_pdf(target.with_suffix(".pdf"), invoice, style=style)

    for index, product in enumerate(decl.products):
        try:
            kind = policy.kind(product.kind)
        except KeyError:
            continue
        checklist = policy.checklist(kind)
        if checklist is None or policy.evidence is None:
            continue
        roles = policy.evidence.items.get(checklist.id)
        base = folder / f"产品{index + 1}"

        def item_dir(no: int, checklist_id: str = checklist.id, base: Path = base) -> Path:
            return base / item_folder(checklist_id, no)

        for entry in checklist.items:
            if roles is not None and entry.no in (
                roles.form,
                roles.invoice,
                roles.settlement,
                roles.contract,
            ):
                continue
            if index < len(product.checklist) and product.checklist[entry.no - 1] not in ("已提供", ""):
                continue
            samples.plain_pdf(
                item_dir(entry.no) / f"{entry.title[:20]}.pdf", f"{entry.title}（{samples.FICTIONAL}）"
            )
        if roles is None:
            continue
        if kind.basis == "per_service":
            providers = " ".join(s.provider for s in product.services)
            if roles.contract:
                samples.contract_pdf(
                    item_dir(roles.contract) / "大模型服务合同.pdf",
                    buyer.name,
                    providers,
                    dt.date(2024, 9, 1),
                    "大模型API调用服务",
                )
            for n, service in enumerate(product.services, start=1):
                seller = Party(name=service.provider, tax_id=_tax_id(service.provider))
                start = max(service.usage_start or dt.date(2024, 9, 1), dt.date(2024, 9, 1))
                end = min(service.usage_end or date, date)
                if (
                    roles.settlement
                    and service.claimed_amount is not None
                    and (
                        len(product.checklist) < roles.settlement
                        or product.checklist[roles.settlement - 1] == "已提供"
                    )
                ):
                    amount = max(service.claimed_amount, service.settled_amount or Decimal(0))
                    samples.settlement_xlsx(
                        item_dir(roles.settlement) / f"结算单{n}.xlsx",
                        Settlement(
                            provider=service.provider,
                            service=service.model_name,
                            period_start=start,
                            period_end=end,
                            amount=amount,
                        ),
                        buyer.name,
                    )
                if roles.invoice and service.paid_amount:
                    parts = _split(service.paid_amount, 2)
                    for k, part in enumerate(parts):
                        fmt = _FORMATS[(index + n + k) % len(_FORMATS)]
                        write_invoice(item_dir(roles.invoice) / f"发票{n}-{k + 1}", seller, part, end, fmt)
        elif product.procurement is not None:
            p = product.procurement
            seller = Party(name=p.provider, tax_id=_tax_id(p.provider))
            if roles.contract:
                samples.contract_pdf(
                    item_dir(roles.contract) / "大模型采购合同.pdf",
                    buyer.name,
                    p.provider,
                    p.contract_date,
                    "大模型私有化部署采购",
                )
            if roles.invoice and p.paid_amount:
                write_invoice(
                    item_dir(roles.invoice) / "采购发票",
                    seller,
                    p.paid_amount,
                    p.contract_date or date,
                    "vat-ofd",
                )
        if plan.scan and not planted_scan and roles.invoice:
            samples.image_only_pdf(item_dir(roles.invoice) / "银行回单（扫描件）.pdf")
            planted_scan = True
    return folder


def link_in_column(workbook: Path, slot: int, item: int, folder: Path, name: str, title: str) -> Path:
    """The file-column convention: write a document into ``folder`` (not in an item sub-folder) and put its
    path, relative to the workbook's folder, in the 材料清单 file cell of product ``slot``'s item ``item``."""
    from openpyxl import load_workbook

    from xlmv_workbook.template import layout
    from xlmv_workbook.xlsx.atomic import save_atomically

    document = samples.plain_pdf(folder / name, f"{title}（{samples.FICTIONAL}）")
    field = layout.material_file_fields(slot)[item - 1]
    wb = load_workbook(workbook)
    wb[field.sheet][field.cell].value = document.relative_to(workbook.parent).as_posix()
    save_atomically(wb, workbook)
    return document
