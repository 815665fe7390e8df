"""``xlmv calc``: the rows a reviewer adds up equal the totals shown (issue 10.2), the approved ratio is
visible wherever it changes the money (10.3), and the next tier is stated for the whole project (10.1)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from commands import xlmv
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmv.calc import calculate, to_json, to_table
from xlmv.money import ZERO
from xlmv.policy import load_policy

POLICY = load_policy()
fen_amounts = st.integers(0, 60_000_000_00).map(lambda n: Decimal(n) / 100)
ratios = st.one_of(st.none(), st.integers(0, 1000).map(lambda n: Decimal(n) / 1000))


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def table_sections(table: str) -> dict[str, list[tuple[str, str, Decimal]]]:
    """Per kind label, (项目/服务, 档位, 奖励) of each table row."""
    out: dict[str, list[tuple[str, str, Decimal]]] = {}
    for line in table.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) < 3 or not re.fullmatch(r"-?[\d,]+\.\d\d", cells[-1]):
            continue
        tier = next((c for c in cells if re.fullmatch(r"第.档|不达标", c)), "")
        out.setdefault(cells[0], []).append((cells[1], tier, _money(cells[-1])))
    return out


def check_table_adds_up(table: str) -> None:
    for rows in table_sections(table).values():
        tiers = sum((r for _, tier, r in rows if tier), ZERO)
        labels = {label: r for label, tier, r in rows if not tier}
        maximum = next((r for label, r in labels.items() if label.startswith("最高奖励合计")), None)
        subtotal = next(r for label, r in labels.items() if label.startswith("小计"))
        if maximum is None:  # no ratio: the tier rows add up to the subtotal
            assert tiers == subtotal
        else:
            assert tiers == maximum
            scaled = [r for label, r in labels.items() if "× 审定比例" in label]
            if scaled:
                assert sum(scaled, ZERO) == subtotal
        cut = sum((r for label, r in labels.items() if label.startswith("单个项目")), ZERO)  # negative
        assert labels["项目奖励"] == subtotal + cut


def check_json_adds_up(out: dict) -> None:  # type: ignore[type-arg]
    projects = []
    if "api" in out:
        api = out["api"]
        for s in api["services"]:
            assert sum((Decimal(t["reward"]) for t in s["tiers"]), ZERO) == Decimal(s["max_reward"])
        assert sum((Decimal(s["max_reward"]) for s in api["services"]), ZERO) == Decimal(api["max_reward"])
        assert sum((Decimal(s["reward"]) for s in api["services"]), ZERO) == Decimal(api["reward_before_cap"])
        projects.append(api)
    if "private" in out:
        p = out["private"]
        assert sum((Decimal(t["reward"]) for t in p["tiers"]), ZERO) == Decimal(p["max_reward"])
        projects.append(p)
    for p in projects:
        ratio = Decimal(p["approved_ratio"])
        assert Decimal(p["reward_before_cap"]) == (Decimal(p["max_reward"]) * ratio).quantize(
            Decimal("0.01"), "ROUND_HALF_UP"
        )
    assert sum((Decimal(g) for g in out["granted"]), ZERO) == Decimal(out["total"])
    assert [Decimal(g) for g in out["granted"]] == [
        min(Decimal(p["reward"]), Decimal(g)) for p, g in zip(projects, out["granted"], strict=True)
    ]


@settings(max_examples=60, deadline=None)
@given(
    api=st.lists(fen_amounts, max_size=6),
    private=st.one_of(st.none(), fen_amounts),
    ratio=ratios,
)
def test_calc_rows_add_up_in_table_and_json(
    api: list[Decimal], private: Decimal | None, ratio: Decimal | None
) -> None:
    if not api and private is None:
        return
    calc = calculate(POLICY, api, private, approved_ratio=ratio)
    check_table_adds_up(to_table(calc))
    check_json_adds_up(json.loads(to_json(calc)))


def test_two_services_of_100000_01_add_up_on_the_command_line() -> None:
    run = xlmv("calc", "--api", "100000.01", "--api", "100000.01")
    assert run.returncode == 0, run.stderr
    rows = table_sections(run.stdout)["API调用"]
    assert [r for _, tier, r in rows if tier] == [Decimal("50000.01")] * 2
    assert dict((label, r) for label, tier, r in rows if not tier)["小计（上限前）"] == Decimal("100000.02")
    check_table_adds_up(run.stdout)
    assert "合计奖励：100,000.02 元" in run.stdout


def test_three_hundred_services_add_up() -> None:
    calc = calculate(POLICY, [Decimal("100000.01")] * 300, None)
    out = json.loads(to_json(calc))
    # 300 × 50,000.01 = 15,000,003.00 before the 5,000,000 project cap
    assert out["api"]["max_reward"] == out["api"]["reward_before_cap"] == "15000003.00"
    assert out["api"]["reward"] == out["total"] == "5000000.00"
    check_json_adds_up(out)
    check_table_adds_up(to_table(calc))


def test_the_ratio_is_shown_in_table_and_json() -> None:
    # 120万 × ratio 0.8: tiers 500,000 + 50,000 = 550,000 maximum, × 80% = 440,000
    run = xlmv("calc", "--api", "120万", "--ratio", "0.8")
    assert run.returncode == 0, run.stderr
    assert "最高奖励合计（按比例上限）" in run.stdout and "小计（审定比例 80%，上限前）" in run.stdout
    check_table_adds_up(run.stdout)
    out = json.loads(xlmv("calc", "--api", "120万", "--ratio", "0.8", "--json").stdout)
    api = out["api"]
    assert (api["approved_ratio"], api["max_reward"], api["reward_before_cap"]) == (
        "0.8",
        "550000.00",
        "440000.00",
    )
    assert api["services"][0]["max_reward"] == "550000.00" and api["services"][0]["reward"] == "440000.00"


def test_next_tier_is_shown_for_the_whole_project() -> None:
    # 300万 + 10万 + 1000万 earn 3,050,000; the largest service needs 19,499,999.95 more to reach the cap
    run = xlmv("calc", "--api", "300万", "--api", "10万", "--api", "1000万", "--json")
    step = json.loads(run.stdout)["api"]["next_step"]
    assert (step["target"], step["item"], step["needed"]) == ("cap", 2, "19499999.95")
    run = xlmv("calc", "--api", "3000万", "--api", "3000万")
    assert "API调用 距下一档（或项目上限）还需投入：已达上限" in run.stdout
