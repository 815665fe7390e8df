"""Building fictional evidence documents (engine models) for the evidence tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import resources

from xlmv.declaration import Declaration
from xlmv.evidence.documents import (
    Contract,
    DocKind,
    Document,
    Invoice,
    ItemFiles,
    Materials,
    Party,
    Settlement,
)

BUYER = Party(name="北京星河智算科技有限公司（示例）", tax_id="91110108MA01XHQ454")
BAIDU = Party(name="北京百度网讯科技有限公司", tax_id="91110000802100433B")
DEEPSEEK = Party(name="北京深度求索人工智能基础技术研究有限公司", tax_id="91110108MACFAKE001")
DOUYIN = Party(name="北京抖音信息服务有限公司", tax_id="91110108MACFAKE002")


def example() -> Declaration:
    text = (resources.files("xlmv.examples") / "01-星河智算.json").read_text(encoding="utf-8")
    return Declaration.model_validate_json(text)


def invoice(
    file: str,
    number: str,
    seller: Party,
    total: str,
    *,
    buyer: Party = BUYER,
    date: dt.date = dt.date(2024, 12, 1),
) -> Document:
    total_d = Decimal(total)
    return Document(
        file=file,
        format="XML",
        kind=DocKind.INVOICE,
        invoice=Invoice(
            label="电子发票（普通发票）",
            number=number,
            date=date,
            buyer=buyer,
            seller=seller,
            amount=(total_d / Decimal("1.06")).quantize(Decimal("0.01")),
            tax=total_d - (total_d / Decimal("1.06")).quantize(Decimal("0.01")),
            total=total_d,
        ),
    )


def settlement(file: str, provider: str, amount: str) -> Document:
    return Document(
        file=file,
        format="XLSX",
        kind=DocKind.SETTLEMENT,
        settlement=Settlement(
            provider=provider,
            service="大模型API调用",
            period_start=dt.date(2024, 9, 1),
            period_end=dt.date(2025, 3, 20),
            amount=Decimal(amount),
        ),
    )


def contract(file: str, date: dt.date | None = dt.date(2024, 10, 8)) -> Document:
    return Document(
        file=file, format="PDF", kind=DocKind.CONTRACT, contract=Contract(has_text=True, signing_date=date)
    )


def plain(file: str) -> Document:
    return Document(file=file, format="PDF")


def complete_items() -> dict[tuple[int, int], list[Document]]:
    """Every item of example 01's two products with documents that match the declaration."""
    items: dict[tuple[int, int], list[Document]] = {}
    for product in (0, 1):
        for no in range(2, 10):
            items[(product, no)] = [plain(f"产品{product + 1}/{no}/说明.pdf")]
    items[(0, 2)] = [contract("产品1/3-1-2/合同.pdf")]
    items[(0, 3)] = [
        settlement("产品1/3-1-3/百度结算单.xlsx", BAIDU.name, "6200000"),
        settlement("产品1/3-1-3/深度求索结算单.xlsx", DEEPSEEK.name, "850000"),
    ]
    items[(0, 4)] = [
        invoice("产品1/3-1-4/百度1.xml", "24112000000000000001", BAIDU, "4000000"),
        invoice("产品1/3-1-4/百度2.xml", "24112000000000000002", BAIDU, "2200000"),
        invoice("产品1/3-1-4/深度求索.xml", "24112000000000000003", DEEPSEEK, "850000"),
    ]
    items[(1, 2)] = [contract("产品2/3-2-2/合同.pdf")]
    items[(1, 3)] = [invoice("产品2/3-2-3/抖音.xml", "24112000000000000004", DOUYIN, "2500000")]
    return items


def materials(items: dict[tuple[int, int], list[Document]]) -> Materials:
    return Materials(
        folder="示例-材料",
        items=tuple(
            ItemFiles(product=p, item=n, documents=tuple(docs)) for (p, n), docs in sorted(items.items())
        ),
    )
