"""Worked examples kept as data (tests/cases/*.toml), run through ``xlmv.reward`` and ``xlmv.money``.

Each case names its inputs and expected outputs, with the hand arithmetic in comments beside them; a case
fails on any difference, so the files are the specification of the reward arithmetic.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xlmv.money import to_fen
from xlmv.policy import load_policy
from xlmv.reward import Allocation, Eligibility, apply_enterprise_cap, compute_kind

CASES = Path(__file__).parent / "cases"
POLICY = load_policy("beijing-2024")


def _load(name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = tomllib.loads((CASES / name).read_text(encoding="utf-8"))
    return data, data["cases"]


def _params(name: str) -> list[Any]:
    data, cases = _load(name)
    return [pytest.param(data.get("kind"), case, id=case["name"]) for case in cases]


def _fen(value: Decimal) -> str:
    return str(to_fen(value))


def _project(kind: str, spec: dict[str, Any]):
    ratio = spec.get("ratio")
    return compute_kind(
        POLICY,
        kind,
        [Decimal(a) for a in spec["amounts"]],
        approved_ratio=None if ratio is None else Decimal(ratio),
        prior_award=Decimal(spec.get("prior_award", "0")),
    )


@pytest.mark.parametrize(("kind", "case"), _params("api.toml") + _params("private.toml"))
def test_kind_case(kind: str, case: dict[str, Any]) -> None:
    result = _project(kind, case["input"])
    out = case["output"]

    assert [i.tier for i in result.items] == out["tiers"]
    assert [i.eligible for i in result.items] == out["eligible"]
    assert [i.eligibility for i in result.items] == [
        Eligibility.ELIGIBLE if e else Eligibility.BELOW_FLOOR for e in out["eligible"]
    ]
    # max_rewards are the exact marginal sums; each service is paid its sum rounded once (RULE.md 1)
    assert [i.max_reward for i in result.items] == [to_fen(Decimal(m)) for m in out["max_rewards"]]
    assert result.reward_before_cap == Decimal(out["reward_before_cap"])
    assert _fen(result.reward) == out["reward"]
    assert result.cap is not None
    assert result.cap.binding is out["cap_binding"]
    assert result.reward == min(result.reward_before_cap, result.cap.available)
    # The project's tier is the highest any item reaches; it is eligible when any item is.
    assert result.tier == max(out["tiers"])
    assert result.eligible is any(out["eligible"])


@pytest.mark.parametrize(("kind", "case"), _params("enterprise.toml"))
def test_enterprise_case(kind: None, case: dict[str, Any]) -> None:
    spec, out = case["input"], case["output"]
    projects = [_project(p["kind"], p) for p in spec["projects"]]
    result = apply_enterprise_cap(
        POLICY,
        [p.reward for p in projects],
        prior_same_year=Decimal(spec["prior_same_year"]),
        allocation=Allocation(spec["allocation"]),
    )

    assert [_fen(p.reward) for p in projects] == out["requested"]
    assert [_fen(r) for r in result.requested] == out["requested"]
    assert [_fen(g) for g in result.granted] == out["granted"]
    assert _fen(result.total) == out["total"]
    assert result.cap is not None
    assert result.cap.binding is out["cap_binding"]
    assert sum(result.granted, Decimal(0)) == result.total


def test_every_case_file_has_cases_with_unique_names() -> None:
    for name in ("api.toml", "private.toml", "enterprise.toml"):
        _, cases = _load(name)
        names = [c["name"] for c in cases]
        assert len(names) >= 9
        assert len(names) == len(set(names)), name


def test_case_files_cover_every_floor_and_band_boundary() -> None:
    """Just under / at / just over each floor and each band bound appears in the worked examples."""
    for name, kind in (("api.toml", "api"), ("private.toml", "private")):
        _, cases = _load(name)
        single = {Decimal(c["input"]["amounts"][0]) for c in cases if len(c["input"]["amounts"]) == 1}
        k = POLICY.kind(kind)
        assert k.floor is not None
        fen = Decimal("0.01")
        wanted = {k.floor.amount - fen, k.floor.amount, k.floor.amount + fen}
        for band in k.bands[:-1]:
            assert band.upper is not None
            wanted |= {band.upper, band.upper + fen}
        assert wanted <= single, f"{name} misses {sorted(wanted - single)}"
