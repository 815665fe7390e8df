"""The evidence cross-checks (xlmv.evidence.checks): each check has a case that only it catches."""

from __future__ import annotations

import datetime as dt

import pytest
from evidence_docs import BAIDU, BUYER, DEEPSEEK, complete_items, contract, example, invoice, materials, plain
from evidence_docs import settlement as settlement_doc

from xlmv.evidence.checks import check_materials
from xlmv.evidence.documents import Document, Party
from xlmv.evidence.names import names_match, normalise_name, split_provider
from xlmv.evidence.results import EvidenceStatus, InvoiceUse
from xlmv.policy import load_policy

POLICY = load_policy()


def run(items=None, decl=None, **kwargs):
    return check_materials(
        POLICY, decl or example(), materials(items or complete_items()), application="a.xlsx", **kwargs
    )


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


def test_complete_materials_are_complete() -> None:
    report = run()
    assert report.findings == ()
    assert all(i.status is EvidenceStatus.COMPLETE for i in report.items), report.items
    assert report.item(0, 1).reasons == ("即本申报表",)
    assert report.ok


def test_buyer_tax_id_and_name_must_be_the_applicant() -> None:
    items = complete_items()
    other = Party(name="北京另一家公司（虚构示例）", tax_id="91110108MA01OTHER1")
    items[(0, 4)][0] = invoice("产品1/3-1-4/百度1.xml", "24112000000000000001", BAIDU, "4000000", buyer=other)
    report = run(items)
    assert {"evidence.buyer_tax_id", "evidence.buyer_name"} <= codes(report)
    finding = next(f for f in report.findings if f.code == "evidence.buyer_tax_id")
    assert finding.file == "产品1/3-1-4/百度1.xml" and finding.field == "company.uscc"
    assert finding.clause == POLICY.evidence.check("buyer").clause
    assert report.item(0, 4).status is EvidenceStatus.MISMATCH


def test_buyer_name_matches_after_normalising_brackets_and_spaces() -> None:
    items = complete_items()
    spaced = Party(name="北京星河智算科技有限公司 (示例)", tax_id=BUYER.tax_id.lower())
    items[(0, 4)][0] = invoice(
        "产品1/3-1-4/百度1.xml", "24112000000000000001", BAIDU, "4000000", buyer=spaced
    )
    assert run(items).findings == ()
    assert names_match("北京某公司【示例】", "北京 某公司（示例）")
    assert normalise_name("Ａ　Ｂ") == "ab"


def test_seller_must_be_a_declared_provider() -> None:
    items = complete_items()
    stranger = Party(name="北京某代理商有限公司（虚构示例）", tax_id="91110108MA01AGENT1")
    items[(1, 3)] = [invoice("产品2/3-2-3/代理.xml", "24112000000000000004", stranger, "2500000")]
    report = run(items)
    finding = next(f for f in report.findings if f.code == "evidence.seller_name")
    assert finding.field == "products[1].procurement.provider"
    assert report.item(1, 3).status is EvidenceStatus.MISMATCH


def test_seller_uscc_is_compared_where_the_form_gives_one() -> None:
    decl = example()
    service = (
        decl.products[0].services[0].model_copy(update={"provider": f"{BAIDU.name}（91110000802100433C）"})
    )
    decl.products[0].services[0] = service
    assert split_provider(service.provider) == (BAIDU.name, "91110000802100433C")
    report = run(decl=decl)
    assert "evidence.seller_tax_id" in codes(report)


@pytest.mark.parametrize("date", [dt.date(2024, 8, 31), dt.date(2025, 4, 1)])
def test_invoice_date_must_lie_in_the_window(date: dt.date) -> None:
    items = complete_items()
    items[(0, 4)][2] = invoice(
        "产品1/3-1-4/深度求索.xml", "24112000000000000003", DEEPSEEK, "850000", date=date
    )
    report = run(items)
    finding = next(f for f in report.findings if f.code == "evidence.invoice_date")
    assert finding.clause == "附件3 一.3；附件3-1 4；附件3-2 3"


def test_window_edges_are_inside() -> None:
    items = complete_items()
    items[(0, 4)][2] = invoice(
        "产品1/3-1-4/深.xml", "24112000000000000003", DEEPSEEK, "850000", date=dt.date(2024, 9, 1)
    )
    items[(1, 3)] = [
        invoice("产品2/3-2-3/抖.xml", "24112000000000000004", *_douyin(), date=dt.date(2025, 3, 31))
    ]
    assert run(items).findings == ()


def _douyin():
    from evidence_docs import DOUYIN

    return DOUYIN, "2500000"


def test_api_invoices_must_cover_the_paid_amount_per_service() -> None:
    items = complete_items()
    items[(0, 4)].pop(1)  # 百度 now has 4,000,000 of 6,200,000
    report = run(items)
    finding = next(f for f in report.findings if f.code == "evidence.invoices_short")
    assert finding.field == "products[0].services[0].paid_amount"


def test_settlement_must_cover_the_claimed_amount() -> None:
    items = complete_items()
    items[(0, 3)][1] = settlement_doc("产品1/3-1-3/深度求索结算单.xlsx", DEEPSEEK.name, "800000")
    report = run(items)
    finding = next(f for f in report.findings if f.code == "evidence.settlement_short")
    assert finding.field == "products[0].services[1].claimed_amount"


def test_settlement_must_come_from_a_declared_provider() -> None:
    items = complete_items()
    items[(0, 3)].append(settlement_doc("产品1/3-1-3/其他.xlsx", "北京某云计算有限公司（虚构示例）", "1"))
    assert "evidence.settlement_provider" in codes(run(items))


def test_private_invoices_must_cover_the_procurement_amount() -> None:
    from evidence_docs import DOUYIN

    items = complete_items()
    items[(1, 3)] = [invoice("产品2/3-2-3/抖音.xml", "24112000000000000004", DOUYIN, "2400000")]
    assert "evidence.invoices_short_procurement" in codes(run(items))


def test_private_invoices_must_cover_the_paid_amount() -> None:
    decl = example()
    decl.products[1].procurement = decl.products[1].procurement.model_copy(update={"paid_amount": 2600000})
    assert "evidence.invoices_short_paid" in codes(run(decl=decl))


def test_private_contract_signed_before_the_policy_date() -> None:
    items = complete_items()
    items[(1, 2)] = [contract("产品2/3-2-2/合同.pdf", dt.date(2024, 8, 20))]
    finding = next(f for f in run(items).findings if f.code == "evidence.contract_date")
    assert finding.clause == "附件3-2 2"


def test_invoice_number_twice_in_one_declaration() -> None:
    items = complete_items()
    items[(1, 3)].append(invoice("产品2/3-2-3/again.xml", "24112000000000000001", BAIDU, "1"))
    report = run(items)
    duplicates = [f for f in report.findings if f.code == "evidence.invoice_duplicate"]
    assert {f.file for f in duplicates} == {"产品1/3-1-4/百度1.xml", "产品2/3-2-3/again.xml"}


def test_invoice_number_reused_by_another_application_is_an_error_here() -> None:
    other = InvoiceUse(
        "b.xlsx", "北京另一家公司（虚构示例）", 0, 0, "24112000000000000002", "产品1/3-1-4/x.pdf"
    )
    report = run(others=[other])
    finding = next(f for f in report.findings if f.code == "evidence.invoice_duplicate")
    assert "b.xlsx" in finding.message and finding.is_error
    assert report.item(0, 4).status is EvidenceStatus.MISMATCH


def test_provided_item_without_a_file_is_a_mismatch_and_unmarked_is_missing() -> None:
    items = complete_items()
    del items[(0, 5)]
    report = run(items)
    assert report.item(0, 5).status is EvidenceStatus.MISMATCH
    assert "evidence.no_file" in codes(report)
    decl = example()
    decl.products[0].checklist[4] = "未提供"
    report = run(items, decl=decl)
    assert report.item(0, 5).status is EvidenceStatus.MISSING
    assert "evidence.no_file" not in codes(report)
    decl.products[0].checklist[4] = "不适用"
    assert run(items, decl=decl).item(0, 5).status is EvidenceStatus.NOT_APPLICABLE


def test_image_only_scan_needs_review_never_matches() -> None:
    items = complete_items()
    items[(0, 4)].append(Document(file="产品1/3-1-4/扫描.pdf", format="PDF", image_only=True))
    report = run(items)
    assert report.item(0, 4).status is EvidenceStatus.REVIEW
    assert not report.ok
    scan = next(d for d in report.documents if d.file.endswith("扫描.pdf"))
    assert scan.status is EvidenceStatus.REVIEW


def test_unreadable_file_is_a_mismatch_naming_the_file() -> None:
    items = complete_items()
    items[(0, 2)] = [Document(file="产品1/3-1-2/合同.pdf", format="PDF", problem="PDF 文件已加密")]
    report = run(items)
    finding = next(f for f in report.findings if f.code == "evidence.unreadable")
    assert finding.file == "产品1/3-1-2/合同.pdf" and "已加密" in finding.message


def test_payment_proof_that_is_not_an_invoice_needs_review() -> None:
    items = complete_items()
    items[(0, 4)].append(plain("产品1/3-1-4/银行回单.pdf"))
    report = run(items)
    assert report.item(0, 4).status is EvidenceStatus.REVIEW
    assert "evidence.invoices_short" not in codes(report)


def test_settlement_period_outside_the_window_needs_review() -> None:
    items = complete_items()
    early = settlement_doc("产品1/3-1-3/百度结算单.xlsx", BAIDU.name, "6200000")
    early = early.model_copy(
        update={"settlement": early.settlement.model_copy(update={"period_start": dt.date(2024, 6, 1)})}
    )
    items[(0, 3)][0] = early
    report = run(items)
    assert "evidence.settlement_period" in codes(report)
    assert report.item(0, 3).status is EvidenceStatus.REVIEW
