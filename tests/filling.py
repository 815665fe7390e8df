"""Example declarations for the template tests, and the engine's expected value of each computed cell.

Filling itself lives in ``xlmv_workbook.template.fill`` (re-exported here for the tests). The examples cover the
tier boundaries of both kinds (附件3 二.4), the API entry floor (附件3 一.7), several products and services,
the API project cap (附件3 二.1), the enterprise-year cap (附件3 二.3) and an empty product slot. Hand
arithmetic is in each docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from xlmv import examples
from xlmv.assess import assess
from xlmv.checklist import summarize
from xlmv.declaration import ApiService, Commitments, Company, Declaration, Product
from xlmv.money import ZERO, to_fen, to_wan
from xlmv.policy import load_policy
from xlmv.reward import next_step
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.fill import cell_value, fill_template, resolve, value_at  # noqa: F401 - re-exported for tests

# Every example is the packaged rule-clean declaration (``xlmv/examples/01-星河智算.json``) with other
# products: its company, commitments and application date, its first product and service as the pattern of
# every API product and service, its second product's procurement as the pattern of every private deployment.
VALID = examples.load(examples.VALID)
USCC = VALID.company.uscc
COMPANY_NAME = VALID.company.name

# ------------------------------------------------------------------------------------------ examples

API = "api"
PRIVATE = "private"
ALL_PROVIDED = ["已提供"] * L.CHECKLIST_ITEMS


def _company() -> Company:
    return VALID.company.model_copy(deep=True)


def _commitments() -> Commitments:
    return VALID.commitments.model_copy()


def _service(n: int, amount: str) -> ApiService:
    pattern = VALID.products[0].services[0]
    return pattern.model_copy(
        update={
            "model_name": f"{pattern.model_name}{n}",
            "settled_amount": Decimal(amount),
            "paid_amount": Decimal(amount),
            "claimed_amount": Decimal(amount),
        }
    )


def _api(name: str, *amounts: str, prior: str = "0", checklist: list[str] | None = None) -> Product:
    return VALID.products[0].model_copy(
        update={
            "name": name,
            "kind": API,
            "services": [_service(n, a) for n, a in enumerate(amounts, start=1)],
            "checklist": list(ALL_PROVIDED if checklist is None else checklist),
            "prior_award": Decimal(prior),
        }
    )


def _private(
    name: str, amount: str, *, compute: str = "0", data: str = "0", checklist: list[str] | None = None
) -> Product:
    total = Decimal(amount) + Decimal(compute) + Decimal(data)
    pattern = VALID.products[1]
    assert pattern.procurement is not None
    procurement = pattern.procurement.model_copy(
        update={
            "contract_amount": total,
            "procurement_amount": Decimal(amount),
            "compute_fees": Decimal(compute),
            "data_fees": Decimal(data),
            "paid_amount": total,
        }
    )
    return pattern.model_copy(
        update={
            "name": name,
            "kind": PRIVATE,
            "procurement": procurement,
            "checklist": list(ALL_PROVIDED if checklist is None else checklist),
        }
    )


def _declaration(*products: Product, prior_year_award: str = "0") -> Declaration:
    return VALID.model_copy(
        update={
            "company": _company(),
            "products": list(products),
            "commitments": _commitments(),
            "prior_year_award": Decimal(prior_year_award),
            "supplementary": "无",
        }
    )


def api_tier_boundaries() -> Declaration:
    """API services of exactly 10万 (tier 1, 5万), 100万 (tier 1, 50万) and 100万 + 0.01 (tier 2,
    50万 + 0.0025 → 500000.00), one product each."""
    return _declaration(
        _api("API起点产品", "100000"),
        _api("API第一档上界产品", "1000000"),
        _api("API第二档起点产品", "1000000.01"),
    )


def api_top_tier_and_floor() -> Declaration:
    """500万 + 0.01 (tier 3: 150万 + 0.001 → 1500000.00); 99999.99 alone (below the floor: tier 0, 0 元,
    0.01 to go); and all five boundary amounts as services of one product (0 + 5万 + 50万 + 500000.0025 +
    1500000.001 → 2550000.00). Total 4050000.00, under the enterprise cap."""
    return _declaration(
        _api("API第三档产品", "5000000.01"),
        _api("API未达起点产品", "99999.99", checklist=["已提供", "未提供", "待补充", "不适用"]),
        _api("API多服务产品", "99999.99", "100000", "1000000", "1000000.01", "5000000.01"),
    )


def private_tier_boundaries() -> Declaration:
    """Private procurement of exactly 50万 (tier 1, 10万), 200万 + 0.01 (tier 2, 40万 + 0.001) and
    500万 + 0.01 (tier 3, 40万 + 30万 + 0.0005 → 700000.00)."""
    return _declaration(
        _private("私有化起点产品", "500000"),
        _private("私有化第二档产品", "2000000.01"),
        _private("私有化第三档产品", "5000000.01"),
    )


def several_products_and_services() -> Declaration:
    """An API product with three services (300万 → 100万; 80万 → 40万; 250000.55 → 125000.275; total
    1525000.28) and a private product (350万 → 40万 + 15万 = 55万; compute 100万 and data 20万 listed
    apart); the third slot stays empty. Checklists partly done."""
    return _declaration(
        _api(
            "智能客服平台",
            "3000000",
            "800000",
            "250000.55",
            checklist=["已提供", "已提供", "√"] + ["已提供"] * 6,
        ),
        _private(
            "病历质控系统",
            "3500000",
            compute="1000000",
            data="200000",
            checklist=["已提供", "未提供", "已提供", "待补充"],
        ),
    )


def api_project_cap() -> Declaration:
    """附件3 二.1: an API project already awarded 480万; 150万 of services earn 62.5万 but only 20万 remain
    under the 500万 project cap; the next step is the cap, already reached (0)."""
    return _declaration(_api("API已获奖励项目", "1500000", prior="4800000"))


def enterprise_year_cap() -> Declaration:
    """附件3 二.3: 400万 already received this year; an API product (200万 → 75万) and a private product
    (300万 → 50万) request 125万, only 100万 remain: granted in order 75万 and 25万."""
    return _declaration(
        _api("年度上限API产品", "2000000"),
        _private("年度上限私有化产品", "3000000"),
        prior_year_award="4000000",
    )


EXAMPLES: dict[str, Callable[[], Declaration]] = {
    f.__name__: f
    for f in (
        api_tier_boundaries,
        api_top_tier_and_floor,
        private_tier_boundaries,
        several_products_and_services,
        api_project_cap,
        enterprise_year_cap,
    )
}


# ------------------------------------------------------------------------------- the engine's answers


def _money(amount: Decimal) -> Decimal:
    return to_fen(amount)


def expected_cells(decl: Declaration) -> dict[str, object]:
    """The engine's answer for every computed cell the tests compare, keyed by defined name, or by
    ``sheet!cell`` for the 申报表 fee rows (万元), which have no names: ``Decimal`` to the fen (money),
    ``int`` (tiers) or ``str`` (checklist summaries). An empty product slot shows 0 and an empty summary.
    """
    policy = load_policy(decl.policy)
    assessment = assess(decl, policy)
    out: dict[str, object] = {L.TOTAL_NAME: _money(assessment.enterprise.total)}
    for index in range(L.PRODUCTS):
        names = L.product_output_names(index)
        block = L.product_block(index)
        fees = {column: ZERO for column in "BCDEF"}
        values: dict[str, object] = dict.fromkeys(("reward", "max_reward", "next_tier", "granted"), ZERO)
        values |= {"tier": 0, "checklist": ""}
        if index < len(decl.products):
            product = decl.products[index]
            kind = policy.kind(product.kind)
            result = assessment.products[index].result
            assert result is not None
            if kind.basis == "per_service":
                amounts = [s.claimed_amount for s in product.services if s.claimed_amount is not None]
                fees["B"] = to_wan(sum(amounts, ZERO))
            else:
                p = product.procurement
                amounts = [p.procurement_amount] if p and p.procurement_amount is not None else []
                if p is not None:
                    fees |= {
                        "C": to_wan(p.procurement_amount or ZERO),
                        "D": to_wan(p.compute_fees),
                        "E": to_wan(p.data_fees),
                    }
            # next_step of the whole project: spend on the largest service, or the procurement amount
            values = {
                "reward": _money(result.reward),
                "max_reward": _money(result.max_reward),
                "tier": result.tier,
                "next_tier": _money(next_step(amounts, kind, product.prior_award).needed),
                "granted": _money(assessment.products[index].granted),
                "checklist": summarize(policy, kind, product.checklist).text(),
            }
            fees["F"] = fees["B"] + fees["C"] + fees["D"] + fees["E"]
        out |= {names[key]: value for key, value in values.items()}
        out |= {f"{L.FORM}!{column}{block.fees_row}": value for column, value in fees.items()}
    return out


def same(actual: object, expected: object) -> bool:
    """A cell's value equals the engine's: money exactly to the fen, tiers as integers, texts as texts."""
    if isinstance(expected, str):
        return actual == expected
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    if isinstance(expected, int):
        return float(actual) == expected
    return Decimal(repr(float(actual))) == expected  # no residue beyond the fen


def mismatches(values: dict[str, object], expected: dict[str, object]) -> list[str]:
    """``name: got …, engine …`` for every cell whose value differs from the engine's."""
    return [
        f"{key}: got {values.get(key)!r}, engine {want!r}"
        for key, want in expected.items()
        if not same(values.get(key), want)
    ]
