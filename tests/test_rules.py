"""Rules over a whole declaration (``xlmv.assess``): a fully valid declaration has no findings and the
expected rewards; breaking exactly one thing gives exactly one finding, at the right field, citing the
right clause."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from stdnum.cn import uscc

from xlmv import examples
from xlmv.assess import Assessment, assess
from xlmv.declaration import Declaration
from xlmv.findings import Finding, Severity
from xlmv.money import to_fen
from xlmv.reward import Allocation


def make_uscc(prefix17: str) -> str:
    return prefix17 + uscc.calc_check_digit(prefix17)


SHANGHAI_USCC = make_uscc("91310115MA1K4ABCD")  # 310115 上海市浦东新区


def valid_declaration() -> Declaration:
    """The packaged rule-clean example ``01-星河智算`` (applied 2025-03-31): an API product with services of
    6,200,000 (文心一言) and 850,000 (DeepSeek Chat), and a private deployment procuring 2,500,000 under a
    3,300,000 contract (600,000 compute and 200,000 data fees besides)."""
    return examples.load(examples.VALID)


VALID_USCC = valid_declaration().company.uscc


def test_valid_declaration_has_no_findings_and_the_expected_rewards() -> None:
    result = assess(valid_declaration())
    assert result.findings == ()
    assert result.year == 2025
    api, private = (p.result for p in result.products)
    assert api is not None and private is not None
    # 6,200,000 → 50% of the first 1,000,000 = 500,000, + 25% of the next 4,000,000 = 1,000,000,
    #   + 10% of the last 1,200,000 = 120,000: 1,620,000; 850,000 → 50% = 425,000
    assert [i.max_reward for i in api.items] == [Decimal(1_620_000), Decimal(425_000)]
    assert [i.tier for i in api.items] == [3, 1]
    assert [i.label for i in api.items] == ["文心一言", "DeepSeek Chat"]
    assert api.reward == Decimal(2_045_000)  # under the 5,000,000 project cap
    # procurement 2,500,000 (the 800,000 of compute and data fees are not in it):
    # 20% of the first 2,000,000 = 400,000, + 10% of the next 500,000 = 50,000
    assert private.items[0].amount == Decimal(2_500_000)
    assert private.reward == Decimal(450_000)
    assert result.enterprise.cap is not None and result.enterprise.cap.available == Decimal(5_000_000)
    assert [p.granted for p in result.products] == [Decimal(2_045_000), Decimal(450_000)]
    assert result.total == Decimal(2_495_000)  # under the 5,000,000 year cap


def _one(decl: Declaration) -> Finding:
    findings = assess(decl).findings
    assert len(findings) == 1, [(f.code, f.field) for f in findings]
    return findings[0]


def _set(path: str, value: object) -> Callable[[Declaration], None]:
    """A change to one field of the valid declaration, by its dotted path (``products[0].name``)."""

    def change(decl: Declaration) -> None:
        target: object = decl
        steps = path.replace("]", "").replace("[", ".").split(".")
        for step in steps[:-1]:
            target = target[int(step)] if step.isdigit() else getattr(target, step)  # type: ignore[index]
        last = steps[-1]
        if last.isdigit():
            target[int(last)] = value  # type: ignore[index]
        else:
            setattr(target, last, value)

    return change


BROKEN = [
    # (change, code, field, clause, severity)
    pytest.param(
        _set("products[0].services[0].usage_start", dt.date(2024, 8, 31)),
        "api.usage.before_window",
        "products[0].services[0].usage_start",
        "附件3 一.3",
        Severity.ERROR,
        id="usage-before-2024-09-01",
    ),
    pytest.param(
        _set("products[0].services[1].usage_end", dt.date(2025, 4, 1)),  # applied 2025-03-31
        "api.usage.after_application",
        "products[0].services[1].usage_end",
        "附件3 一.3",
        Severity.ERROR,
        id="usage-after-application",
    ),
    pytest.param(
        _set("products[0].services[0].paid_amount", Decimal("6199999.99")),  # claims 6,200,000
        "api.claimed.over_paid_amount",
        "products[0].services[0].claimed_amount",
        "附件3-1 4",
        Severity.ERROR,
        id="claimed-over-paid",
    ),
    pytest.param(
        _set("products[0].services[1].settled_amount", Decimal("849999.99")),  # claims 850,000
        "api.claimed.over_settled_amount",
        "products[0].services[1].claimed_amount",
        "附件3-1 3",
        Severity.ERROR,
        id="claimed-over-settled",
    ),
    pytest.param(
        _set("products[1].procurement.contract_date", dt.date(2024, 8, 31)),
        "private.contract_date.early",
        "products[1].procurement.contract_date",
        "附件3-2 2",
        Severity.ERROR,
        id="contract-before-2024-09-01",
    ),
    pytest.param(
        # 2,500,000 + 600,000 + 200,000 = 3,300,000 of fees in a contract of one fen less
        _set("products[1].procurement.contract_amount", Decimal("3299999.99")),
        "private.procurement.includes_fees",
        "products[1].procurement.procurement_amount",
        "附件3-2 2",
        Severity.ERROR,
        id="procurement-plus-fees-over-contract",
    ),
    pytest.param(
        _set("products[0].description", "说" * 1001),
        "product.description.too_long",
        "products[0].description",
        "附件3-3 第二部分 产品说明",
        Severity.ERROR,
        id="description-1001-chars",
    ),
    pytest.param(
        _set("company.uscc", SHANGHAI_USCC),
        "company.uscc.region",
        "company.uscc",
        "附件3 一.1",
        Severity.ERROR,
        id="uscc-registered-in-shanghai",
    ),
    pytest.param(
        _set("company.uscc", VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")),
        "company.uscc.invalid",
        "company.uscc",
        "附件3-3 第一部分",
        Severity.ERROR,
        id="uscc-check-character",
    ),
    pytest.param(
        _set("company.industry_code", "5211"),
        "company.industry_code.ineligible",
        "company.industry_code",
        "附件3 一.1",
        Severity.ERROR,
        id="industry-5211-retail",
    ),
    pytest.param(
        _set("company.unit_type", "制造业企业"),
        "company.unit_type.mismatch",
        "company.unit_type",
        "附件3 一.1",
        Severity.WARNING,
        id="unit-type-not-matching-industry",
    ),
    pytest.param(
        _set("company.unit_type", "社会团体"),
        "company.unit_type.invalid",
        "company.unit_type",
        "附件3 一.1",
        Severity.ERROR,
        id="unit-type-unsupported",
    ),
    pytest.param(
        _set("products[0].checklist[2]", "未提供"),
        "checklist.missing",
        "products[0].checklist[2]",
        "附件3-1 3",
        Severity.ERROR,
        id="api-checklist-item-3-missing",
    ),
    pytest.param(
        _set("products[1].checklist[3]", ""),
        "checklist.missing",
        "products[1].checklist[3]",
        "附件3-2 4",
        Severity.ERROR,
        id="private-acceptance-report-missing",
    ),
    pytest.param(
        _set("products[0].checklist[8]", "差不多"),
        "checklist.invalid",
        "products[0].checklist[8]",
        "附件3-1",
        Severity.ERROR,
        id="checklist-status-unknown",
    ),
    pytest.param(
        _set("commitments.non_affiliation", False),
        "commitments.non_affiliation",
        "commitments.non_affiliation",
        "附件3 一.5",
        Severity.ERROR,
        id="non-affiliation-not-confirmed",
    ),
    pytest.param(
        _set("commitments.no_other_funding", False),
        "commitments.no_other_funding",
        "commitments.no_other_funding",
        "附件3 一.4",
        Severity.ERROR,
        id="other-funding-not-excluded",
    ),
    pytest.param(
        _set("company.email", "zhangsan@qq"),
        "company.email.invalid",
        "company.email",
        "附件3-3 第一部分",
        Severity.ERROR,
        id="email-malformed",
    ),
    pytest.param(
        _set("company.mobile", "1380013800"),
        "company.mobile.invalid",
        "company.mobile",
        "附件3-3 第一部分",
        Severity.ERROR,
        id="mobile-malformed",
    ),
    pytest.param(
        _set("products[0].services[1].cac_filing", "Beijing-YunQue-2023"),
        "model.cac_filing",
        "products[0].services[1].cac_filing",
        "附件3 一.6",
        Severity.ERROR,
        id="cac-filing-malformed",
    ),
    pytest.param(
        _set("products[1].scenario", "餐饮"),
        "product.scenario.invalid",
        "products[1].scenario",
        "附件3 一.3、二",
        Severity.ERROR,
        id="scenario-outside-the-fourteen",
    ),
    pytest.param(
        _set("products[0].services[1].claimed_amount", Decimal("99999.99")),
        "api.below_floor",
        "products[0].services[1].claimed_amount",
        "附件3 一.7",
        Severity.ERROR,
        id="service-below-floor",
    ),
    pytest.param(
        _set("products[1].procurement.procurement_amount", Decimal("499999.99")),
        "private.below_floor",
        "products[1].procurement.procurement_amount",
        "附件3 一.8",
        Severity.ERROR,
        id="procurement-below-floor",
    ),
    pytest.param(
        _set("products[0].prior_award", Decimal("4200000")),  # room 800,000 < 2,045,000
        "cap.project",
        "products[0].reward",
        "附件3 二.1",
        Severity.WARNING,
        id="project-cap-binding",
    ),
    pytest.param(
        _set("prior_year_award", Decimal("4000000")),  # room 1,000,000 < 2,495,000
        "cap.enterprise",
        "prior_year_award",
        "附件3 二.3",
        Severity.WARNING,
        id="enterprise-cap-binding",
    ),
]


@pytest.mark.parametrize(("change", "code", "field", "clause", "severity"), BROKEN)
def test_breaking_one_thing_gives_one_finding(
    change: Callable[[Declaration], None], code: str, field: str, clause: str, severity: Severity
) -> None:
    decl = valid_declaration()
    change(decl)
    finding = _one(decl)
    assert (finding.code, finding.field, finding.clause, finding.severity) == (code, field, clause, severity)
    assert finding.message


def test_description_of_exactly_1000_chars_is_fine() -> None:
    decl = valid_declaration()
    decl.products[0].description = "说" * 1000
    assert assess(decl).findings == ()


def test_usage_from_the_first_day_and_contract_on_the_first_day_are_fine() -> None:
    decl = valid_declaration()
    assert decl.products[0].services[0].usage_start == dt.date(2024, 9, 1)
    assert decl.products[1].procurement is not None
    decl.products[1].procurement.contract_date = dt.date(2024, 9, 1)
    assert assess(decl).findings == ()


def test_service_below_the_floor_earns_nothing_but_the_other_service_counts() -> None:
    decl = valid_declaration()
    decl.products[0].services[1].claimed_amount = Decimal("99999.99")
    api = assess(decl).products[0].result
    assert api is not None
    assert [i.eligible for i in api.items] == [True, False]
    assert [i.tier for i in api.items] == [3, 0]
    assert api.reward == Decimal(1_620_000)  # the 6,200,000 service alone


def test_project_cap_reduces_the_api_reward() -> None:
    decl = valid_declaration()
    decl.products[0].prior_award = Decimal("4200000")
    api = assess(decl).products[0].result
    assert api is not None and api.cap is not None
    # 2,045,000 before the cap; room 5,000,000 − 4,200,000 = 800,000
    assert (api.reward_before_cap, api.cap.available, api.reward) == (
        Decimal(2_045_000),
        Decimal(800_000),
        Decimal(800_000),
    )


def _with_enterprise_room(allocation: Allocation) -> Assessment:
    decl = valid_declaration()
    decl.prior_year_award = Decimal("4000000")
    return assess(decl, allocation=allocation)


def test_enterprise_cap_in_order() -> None:
    result = _with_enterprise_room(Allocation.IN_ORDER)
    # 2,045,000 + 450,000 = 2,495,000 > room 5,000,000 − 4,000,000 = 1,000,000, granted in order
    assert [p.granted for p in result.products] == [Decimal(1_000_000), Decimal(0)]
    assert result.total == Decimal(1_000_000)
    assert "核减 1,495,000.00 元" in result.warnings[0].message  # 2,495,000 − 1,000,000


def test_enterprise_cap_pro_rata() -> None:
    result = _with_enterprise_room(Allocation.PRO_RATA)
    # factor 1,000,000 / 2,495,000: 2,045,000 → 819,639.278… ; 450,000 → 180,360.721…
    assert [to_fen(p.granted) for p in result.products] == [Decimal("819639.28"), Decimal("180360.72")]
    assert sum(p.granted for p in result.products) == result.total == Decimal(1_000_000)


def test_errors_and_warnings_are_split() -> None:
    decl = valid_declaration()
    decl.prior_year_award = Decimal("4000000")
    decl.company.email = ""
    result = assess(decl)
    assert [f.code for f in result.errors] == ["company.email.invalid"]
    assert [f.code for f in result.warnings] == ["cap.enterprise"]
