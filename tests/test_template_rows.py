"""The template's 奖励测算 sheet (issue 10.1, 10.2): per product, the tier rows add up to 测算奖励 and
距下一档（或项目上限）还需投入 satisfies the next-tier property, computed by pycel with the add-in's UDFs
and with the native formulas only, and by LibreOffice (a recalculation on load) on a sample.

The sample: the issue's examples and seeded random projects (API with up to five services, private
deployment), with prior awards.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from filling import _api, _declaration, _private, fill_template
from next_tier_property import verify_next_tier
from test_template_libreoffice import convert, profile, read_cells
from test_template_pycel import WITH_UDFS, WITHOUT_UDFS, compiler, evaluate

from xlmv.declaration import Declaration
from xlmv.money import ZERO
from xlmv.policy import load_policy
from xlmv_workbook.template import layout as L

POLICY = load_policy()
TIERS = max(len(k.bands) for k in POLICY.kinds)


def _random_declaration(seed: int) -> Declaration:
    rnd = random.Random(seed)

    def amount() -> str:
        marks = ["100000", "100000.01", "1000000", "1000000.02", "5000000.01", "30000000", "8641476.95"]
        if rnd.random() < 0.4:
            return rnd.choice(marks)
        return str(Decimal(rnd.randint(0, 45_000_000_00)) / 100)

    products = []
    for n in range(rnd.randint(1, L.PRODUCTS)):
        prior = str(rnd.choice([0, 0, 1_234_567, 4_800_000, 6_000_000]))
        if rnd.random() < 0.6:
            p = _api(f"产品{n}", *(amount() for _ in range(rnd.randint(1, L.SERVICES))), prior=prior)
        else:
            p = _private(f"产品{n}", amount()).model_copy(update={"prior_award": Decimal(prior)})
        products.append(p)
    return _declaration(*products)


SAMPLE: dict[str, Declaration] = {
    # 300万 + 10万 + 1000万: 19,499,999.95 more on the largest reaches the 500万 cap
    "three_services": _declaration(_api("甲", "3000000", "100000", "10000000")),
    # two services of 3000万: already at the cap (0)
    "over_the_cap": _declaration(_api("甲", "30000000", "30000000")),
    # rows of half fens: 5 × 100,000.01 and a private amount ending in half a fen
    "half_fens": _declaration(_api("甲", *["100000.01"] * 5), _private("乙", "5000000.10")),
    # the cap used up by prior awards, below the floor
    "used_up": _declaration(_api("甲", "50000", prior="6000000")),
    **{f"random_{seed}": _random_declaration(seed) for seed in range(6)},
}


def _keys() -> list[str]:
    keys = []
    for index in range(L.PRODUCTS):
        names = L.product_output_names(index)
        top = L.calc_top_row(index)
        keys += [names["max_reward"], names["next_tier"], names["reward"]]
        keys += [f"{L.CALC}!D{top + 2 + t}" for t in range(TIERS)]
    return keys


def _money(value: object) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.01"))  # type: ignore[arg-type]


def check_sheet(decl: Declaration, values: dict[str, object]) -> None:
    for index, product in enumerate(decl.products):
        names = L.product_output_names(index)
        top = L.calc_top_row(index)
        kind = POLICY.kind(product.kind)
        rows = [_money(values[f"{L.CALC}!D{top + 2 + t}"]) for t in range(TIERS)]
        assert sum(rows, ZERO) == _money(values[names["max_reward"]]), (product.name, rows, values)
        if kind.basis == "per_service":
            amounts = [s.claimed_amount for s in product.services if s.claimed_amount is not None]
        else:
            amounts = [product.procurement.procurement_amount] if product.procurement else []
        verify_next_tier(kind, amounts, product.prior_award, _money(values[names["next_tier"]]))


@pytest.fixture(scope="module")
def sample_files(template_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rows")
    return {
        name: fill_template(template_path, decl, folder / f"{name}.xlsx") for name, decl in SAMPLE.items()
    }


@pytest.mark.parametrize("plugin", [WITH_UDFS, WITHOUT_UDFS], ids=["udf", "native"])
@pytest.mark.parametrize("name", list(SAMPLE))
def test_rows_and_next_tier_in_pycel(sample_files: dict[str, Path], name: str, plugin: str) -> None:
    values = evaluate(compiler(sample_files[name], plugin), _keys())
    check_sheet(SAMPLE[name], values)


def test_issue_examples_in_the_native_formulas(sample_files: dict[str, Path]) -> None:
    def next_tier(name: str) -> Decimal:
        key = L.product_output_names(0)["next_tier"]
        return _money(evaluate(compiler(sample_files[name], WITHOUT_UDFS), [key])[key])

    assert next_tier("three_services") == Decimal("19499999.95")
    assert next_tier("over_the_cap") == 0
    assert next_tier("used_up") == 0


def test_rows_and_next_tier_after_libreoffice_recalculation(
    soffice: str, sample_files: dict[str, Path], tmp_path: Path
) -> None:
    names = list(SAMPLE)
    outputs = convert(
        soffice, profile(tmp_path / "profile", 0), "xlsx", [sample_files[n] for n in names], tmp_path / "out"
    )
    for name, path in zip(names, outputs, strict=True):
        check_sheet(SAMPLE[name], read_cells(path, _keys()))
