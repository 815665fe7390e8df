"""The native spreadsheet formulas (``xlmv.formula``) evaluated by a real formula engine (pycel) equal the
engine (``xlmv.reward``) rounded to the fen, for the bundled kinds, the flat-voucher example and synthetic
rising and mixed schedules."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pycel import ExcelCompiler

from xlmv.formula import item_reward_formula, project_reward_formula, rounded, schedule_formula, tier_formula
from xlmv.money import to_fen
from xlmv.policy import Kind, Policy, load_policy
from xlmv.reward import compute_kind, max_reward_of, tier_of

BEIJING = load_policy("beijing-2024")
FLAT = load_policy("flat-voucher-example")
API, PRIVATE = BEIJING.kind("api"), BEIJING.kind("private")
FLAT_KIND = FLAT.kinds[0]


def _band(tier: int, upper: str | None, rate: str) -> dict[str, object]:
    band: dict[str, object] = {"tier": tier, "label": f"第{tier}档", "rate": rate, "clause": f"测试 {tier}"}
    if upper is not None:
        band["upper"] = upper
    return band


def _kind(kind_id: str, bands: list[dict[str, object]], **extra: object) -> dict[str, object]:
    return {
        "id": kind_id,
        "label": kind_id,
        "short_label": kind_id,
        "basis": "per_service",
        "basis_clause": "测试",
        "base_label": "金额",
        "bands": bands,
        **extra,
    }


SYNTHETIC = Policy.model_validate(
    {
        "id": "synthetic",
        "version": "1",
        "title": "合成的分档",
        "source": "测试",
        "kinds": [
            # rising rates (convex): 10 % to 10,000, 20 % to 50,000, 30 % above; floor 1,000; cap 20,000
            _kind(
                "rising",
                [_band(1, "10000", "0.1"), _band(2, "50000", "0.2"), _band(3, None, "0.3")],
                floor={"amount": "1000", "clause": "测试 起点"},
                cap={
                    "amount": "20000",
                    "scope": "project_cumulative",
                    "clause": "测试 上限",
                    "name": "测试上限",
                },
            ),
            # neither rising nor falling: 30 %, 10 %, 20 %
            _kind("mixed", [_band(1, "10000", "0.3"), _band(2, "50000", "0.1"), _band(3, None, "0.2")]),
            # rates 100 %, 0 %, 50 %: the rate-1 and rate-0 lines
            _kind("edges", [_band(1, "100", "1"), _band(2, "200", "0"), _band(3, None, "0.5")]),
        ],
    }
)
RISING, MIXED, EDGES = (SYNTHETIC.kind(k) for k in ("rising", "mixed", "edges"))

KINDS = [API, PRIVATE, FLAT_KIND, RISING, MIXED, EDGES]
KIND_IDS = ["api", "private", "flat", "rising", "mixed", "edges"]
POLICY_OF = {id(API): BEIJING, id(PRIVATE): BEIJING, id(FLAT_KIND): FLAT}


def _policy(kind: Kind) -> Policy:
    return POLICY_OF.get(id(kind), SYNTHETIC)


# --- a formula in a one-sheet workbook, evaluated by pycel -------------------------------------------


@cache
def _compiled(formula: str, cells: tuple[str, ...]) -> ExcelCompiler:
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for cell in cells:
        ws[cell] = 0
    ws["Z1"] = f"={formula}"
    compiler = ExcelCompiler(excel=wb)
    compiler.evaluate("S!Z1")  # places the input cells in pycel's cell map, so set_value can reach them
    return compiler


def evaluate(formula: str, **values: Decimal) -> Decimal:
    """The formula's value with each named cell holding the amount, typed into Excel as a number."""
    compiler = _compiled(formula, tuple(sorted(values)))
    for cell, value in values.items():
        if f"S!{cell}" in compiler.cell_map:  # a cell the formula does not use (no cap: no prior) is skipped
            compiler.set_value(f"S!{cell}", float(value))
    result = compiler.evaluate("S!Z1")
    assert isinstance(result, (int, float)), f"{formula} gave {result!r}"
    return Decimal(repr(float(result)))


def _fen(n: int) -> Decimal:
    return Decimal(n) / 100


fen_amounts = st.integers(min_value=0, max_value=100_000_000_00).map(_fen)
ratios = st.integers(min_value=0, max_value=1000).map(lambda n: Decimal(n) / 1000)
priors = st.integers(min_value=0, max_value=6_000_000_00).map(_fen)


def _boundaries(kind: Kind) -> list[Decimal]:
    marks = [Decimal(0), Decimal("0.01"), Decimal("1234567.89"), Decimal("100000000")]
    if kind.floor is not None:
        marks.append(kind.floor.amount)
    marks += [b.upper for b in kind.bands if b.upper is not None]
    fen = Decimal("0.01")
    return sorted({m + d for m in marks for d in (-fen, Decimal(0), fen) if m + d >= 0})


BOUNDARY_CASES = [
    pytest.param(kind, amount, id=f"{name}-{amount}")
    for kind, name in zip(KINDS, KIND_IDS, strict=True)
    for amount in _boundaries(kind)
]


# --- exact strings -----------------------------------------------------------------------------------


def test_falling_rates_give_the_min_form() -> None:
    assert item_reward_formula(API, "B5") == "IF(B5<100000,0,MIN(B5*0.5,B5*0.25+250000,B5*0.1+1000000))"
    assert item_reward_formula(PRIVATE, "B5") == "IF(B5<500000,0,MIN(B5*0.2,B5*0.1+200000,B5*0.05+450000))"
    assert tier_formula(API, "B5") == "IF(B5<100000,0,IF(B5<=1000000,1,IF(B5<=5000000,2,3)))"


def test_rising_rates_give_the_max_form() -> None:
    assert item_reward_formula(RISING, "A1") == "IF(A1<1000,0,MAX(A1*0.1,A1*0.2-1000,A1*0.3-6000))"


def test_mixed_rates_give_nested_ifs() -> None:
    assert schedule_formula(MIXED, "A1") == "IF(A1<=10000,A1*0.3,IF(A1<=50000,A1*0.1+2000,A1*0.2-3000))"
    assert item_reward_formula(MIXED, "A1") == schedule_formula(MIXED, "A1")  # no floor
    assert schedule_formula(EDGES, "A1") == "IF(A1<=100,A1,IF(A1<=200,0+100,A1*0.5))"


def test_flat_voucher_is_one_line_without_floor_or_tiers() -> None:
    assert item_reward_formula(FLAT_KIND, "A1") == "A1*0.5"
    assert tier_formula(FLAT_KIND, "A1") == "1"
    # no project cap in that scheme: the prior cell plays no part
    assert (
        project_reward_formula(FLAT_KIND, ["A1"], ratio="B1", prior="B2")
        == "ROUND(ROUND((ROUND(ROUND(A1*0.5,7),2))*B1,7),2)"  # the item rounded once, then the ratio (RULE.md)
    )


def test_formulas_use_only_functions_every_spreadsheet_knows() -> None:
    for kind in KINDS:
        text = project_reward_formula(kind, ["A1", "A2"], ratio="B1", prior="B2") + tier_formula(kind, "A1")
        assert "_xlfn" not in text
        names = set(re.findall(r"([A-Z]+)\(", text))
        assert names <= {"IF", "MIN", "MAX", "ROUND", "SUM"}, names


# --- evaluated equal to the engine -------------------------------------------------------------------


def _check_item(kind: Kind, amount: Decimal) -> None:
    exact = max_reward_of(amount, kind)
    assert evaluate(rounded(item_reward_formula(kind, "A1")), A1=amount) == to_fen(exact)
    raw = evaluate(item_reward_formula(kind, "A1"), A1=amount)
    assert abs(raw - exact) <= Decimal("1e-6")  # unrounded, the float differs only by binary noise
    assert evaluate(tier_formula(kind, "A1"), A1=amount) == tier_of(amount, kind)


@pytest.mark.parametrize(("kind", "amount"), BOUNDARY_CASES)
def test_item_and_tier_formulas_at_boundaries(kind: Kind, amount: Decimal) -> None:
    _check_item(kind, amount)


@pytest.mark.parametrize("kind", KINDS, ids=KIND_IDS)
@settings(max_examples=60, deadline=None)
@given(amount=fen_amounts)
def test_item_and_tier_formulas_for_random_amounts(kind: Kind, amount: Decimal) -> None:
    _check_item(kind, amount)


def _check_project(kind: Kind, amounts: list[Decimal], ratio: Decimal, prior: Decimal) -> None:
    cells = [f"A{n + 1}" for n in range(len(amounts))]
    formula = project_reward_formula(kind, cells, ratio="B1", prior="B2")
    engine = compute_kind(_policy(kind), kind, amounts, approved_ratio=ratio, prior_award=prior)
    values = dict(zip(cells, amounts, strict=True)) | {"B1": ratio, "B2": prior}
    assert evaluate(formula, **values) == to_fen(engine.reward), formula


@pytest.mark.parametrize(
    ("kind", "amounts", "ratio", "prior", "expected"),
    [
        (API, ["3000000", "800000"], "1", "0", "1400000.00"),
        (API, ["100000.01"], "1", "0", "50000.01"),  # 50,000.005 rounds half up
        (API, ["100000.01"], "0.5", "0", "25000.01"),  # 50,000.005 → 50,000.01 (RULE.md 1), × 0.5 → 25,000.01
        (API, ["6801622.35"], "1", "0", "1680162.24"),  # 1,680,162.235 (a float gives …2349999999)
        (API, ["40000000.01"], "1", "0", "5000000.00"),
        (API, ["30000000", "20000000", "99999.99"], "1", "0", "5000000.00"),
        (API, ["3000000"], "1", "4200000", "800000.00"),
        (API, ["3000000"], "1", "6000000", "0.00"),
        (API, ["50000000"], "0.8", "1000000", "4000000.00"),
        (PRIVATE, ["2000000.01"], "1", "0", "400000.00"),
        (PRIVATE, ["5000000.10"], "1", "0", "700000.01"),
        (PRIVATE, ["8641476.95"], "1", "0", "882073.85"),
        (PRIVATE, ["3333333.33"], "0.333", "0", "177600.00"),
        (PRIVATE, ["2500000"], "1", "4700000", "300000.00"),
        (PRIVATE, ["100000000"], "1", "0", "5000000.00"),
        (PRIVATE, ["300000", "200000"], "1", "0", "100000.00"),  # per project: summed, then floored
        (FLAT_KIND, ["123.45"], "1", "0", "61.73"),
        (FLAT_KIND, ["20000000"], "1", "0", "10000000.00"),  # no project cap in that scheme
        (RISING, ["999.99"], "1", "0", "0.00"),
        (RISING, ["60000"], "1", "0", "12000.00"),  # 1,000 + 8,000 + 30% of 10,000
        (RISING, ["90000"], "1", "0", "20000.00"),  # 21,000 capped at 20,000
        (MIXED, ["60000"], "1", "0", "9000.00"),  # 3,000 + 4,000 + 20% of 10,000
        (EDGES, ["150"], "1", "0", "100.00"),
    ],
)
def test_project_formula_examples(
    kind: Kind, amounts: list[str], ratio: str, prior: str, expected: str
) -> None:
    values = [Decimal(a) for a in amounts]
    engine = compute_kind(
        _policy(kind), kind, values, approved_ratio=Decimal(ratio), prior_award=Decimal(prior)
    )
    assert str(to_fen(engine.reward)) == expected
    _check_project(kind, values, Decimal(ratio), Decimal(prior))


@pytest.mark.parametrize("kind", [API, RISING, MIXED, EDGES], ids=["api", "rising", "mixed", "edges"])
@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(fen_amounts, min_size=1, max_size=3), ratio=ratios, prior=priors)
def test_per_service_project_formula_for_random_amounts(
    kind: Kind, amounts: list[Decimal], ratio: Decimal, prior: Decimal
) -> None:
    _check_project(kind, amounts, ratio, prior)


@pytest.mark.parametrize("kind", [PRIVATE, FLAT_KIND], ids=["private", "flat"])
@settings(max_examples=60, deadline=None)
@given(amount=fen_amounts, ratio=ratios, prior=priors)
def test_per_project_formula_for_random_amounts(
    kind: Kind, amount: Decimal, ratio: Decimal, prior: Decimal
) -> None:
    _check_project(kind, [amount], ratio, prior)


def test_per_project_formula_sums_its_amount_cells() -> None:
    # the item's reward rounded once to the fen (RULE.md 1), then the project cap
    assert project_reward_formula(PRIVATE, ["A1", "A2"]) == (
        "ROUND(ROUND(MIN(ROUND(ROUND(IF((A1+A2)<500000,0,MIN((A1+A2)*0.2,(A1+A2)*0.1+200000,"
        "(A1+A2)*0.05+450000)),7),2),5000000),7),2)"
    )
