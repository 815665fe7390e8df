"""What was read from each supporting document (invoice, settlement statement, contract), as typed data.

The readers (``xlmv_workbook.materials``) fill these from PDF, OFD, XML and xlsx files; the checks
(``xlmv.evidence.checks``) compare them with the declaration. A document that could not be read keeps
the reason in ``problem``; an image-only scan (no text layer) has ``image_only`` set and is never
treated as matching.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DocKind(StrEnum):
    INVOICE = "发票"
    SETTLEMENT = "结算单"
    CONTRACT = "合同"
    OTHER = "其他材料"


class Party(_Model):
    name: str = ""
    tax_id: str = ""  # 统一社会信用代码/纳税人识别号


class Invoice(_Model):
    """数电发票 or 增值税电子普通/专用发票: the fields the checks need."""

    label: str = ""  # 发票种类，如 电子发票（普通发票）
    number: str = ""  # 发票号码
    date: dt.date | None = None  # 开票日期
    buyer: Party = Party()
    seller: Party = Party()
    amount: Decimal | None = None  # 金额（不含税）
    tax: Decimal | None = None  # 税额
    total: Decimal | None = None  # 价税合计


class Settlement(_Model):
    """大模型API调用结算单, issued by the model provider."""

    provider: str = ""
    service: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    amount: Decimal | None = None


class Contract(_Model):
    has_text: bool = False
    signing_date: dt.date | None = None


class Document(_Model):
    """One file in the materials folder, linked to one checklist item of one product."""

    file: str  # as shown to the user: relative to the materials folder
    format: str = ""  # PDF / OFD / XML / XLSX / …
    kind: DocKind = DocKind.OTHER
    invoice: Invoice | None = None
    settlement: Settlement | None = None
    contract: Contract | None = None
    image_only: bool = False
    problem: str = ""  # why it could not be read (Chinese), empty when it was read

    @property
    def readable(self) -> bool:
        return not self.problem and not self.image_only

    def summary(self) -> str:
        """What was read, in one Chinese line (for the 材料核验 sheet and the CLI)."""
        if self.problem:
            return f"无法读取：{self.problem}"
        if self.image_only:
            return "扫描件（无文字层），无法自动读取"
        if self.invoice is not None:
            i = self.invoice
            parts = [
                i.label or "发票",
                f"号码 {i.number or '?'}",
                f"日期 {i.date.isoformat() if i.date else '?'}",
                f"购买方 {i.buyer.name or '?'}（{i.buyer.tax_id or '?'}）",
                f"销售方 {i.seller.name or '?'}（{i.seller.tax_id or '?'}）",
                f"价税合计 {i.total if i.total is not None else '?'}",
            ]
            return "，".join(parts)
        if self.settlement is not None:
            s = self.settlement
            period = f"{s.period_start or '?'} 至 {s.period_end or '?'}"
            amount = s.amount if s.amount is not None else "?"
            return (
                f"结算单，提供方 {s.provider or '?'}，服务 {s.service or '?'}，期间 {period}，金额 {amount}"
            )
        if self.contract is not None:
            date = self.contract.signing_date
            return f"合同，有文字内容，签署日期 {date.isoformat() if date else '未识别'}"
        return "已提供文件（仅核对存在）"


class ItemFiles(_Model):
    """The documents linked to one checklist item of one declared product."""

    product: int = Field(ge=0)  # declaration product index
    item: int = Field(ge=1)  # checklist item number
    documents: tuple[Document, ...] = ()


class Materials(_Model):
    """Everything found in a declaration's materials folder."""

    folder: str
    items: tuple[ItemFiles, ...] = ()
    unlinked: tuple[str, ...] = ()  # files found but not linked to any item (shown as a warning)

    def files_for(self, product: int, item: int) -> tuple[Document, ...]:
        return tuple(d for i in self.items if i.product == product and i.item == item for d in i.documents)
