"""``xlmv calc`` for any scheme in a policy file (issue 10.7): ``--amount 方式=金额`` names a kind of the
policy, so a revised or another city's voucher needs no code. The flat-voucher example: 50 % of the
contract amount, no project cap, 500万 per enterprise and natural year."""

from __future__ import annotations

import json

import pytest
from commands import xlmv


def test_a_flat_voucher_is_calculated_from_the_command_line() -> None:
    done = xlmv("calc", "--policy", "flat-voucher-example", "--amount", "合同=300万", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # 300万 × 50% = 150万, under the 500万 enterprise cap
    assert out["policy"] == "flat-voucher-example"
    assert out["contract"]["reward"] == "1500000.00" and out["total"] == "1500000.00"
    assert "api" not in out and "private" not in out


def test_the_enterprise_cap_and_prior_awards_of_another_scheme() -> None:
    done = xlmv(
        "calc",
        "--policy",
        "flat-voucher-example",
        "--amount",
        "contract=1200万",
        "--prior-year-award",
        "100万",
        "--json",
    )
    out = json.loads(done.stdout)
    # 1200万 × 50% = 600万 before caps; the year cap 500万 less 100万 already received leaves 400万
    assert out["contract"]["reward"] == "6000000.00"
    assert out["enterprise_cap"]["available"] == "4000000.00" and out["total"] == "4000000.00"
    table = xlmv("calc", "--policy", "flat-voucher-example", "--amount", "合同=1200万").stdout
    assert "合同金额券" in table and "合计奖励：5,000,000.00 元" in table


def test_amount_for_the_beijing_kinds_equals_the_named_options() -> None:
    named = json.loads(xlmv("calc", "--api", "300万", "--private", "250万", "--json").stdout)
    generic = json.loads(xlmv("calc", "--amount", "api=300万", "--amount", "私有化=250万", "--json").stdout)
    assert named == generic


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--amount", "合同=1"], "--amount 的奖励方式无效：'合同'，应为 API（api）、私有化（private）"),
        (["--amount", "api"], "--amount 格式无效：'api'，应写成 方式=金额"),
        (
            ["--policy", "flat-voucher-example", "--amount", "合同=1", "--amount", "合同=2"],
            "一个项目只有一个经审定的合同金额，只能给出一次金额",
        ),
        (["--policy", "flat-voucher-example", "--api", "300万"], "请用 --amount 方式=金额"),
    ],
)
def test_bad_amount_options_are_refused_in_chinese(args: list[str], message: str) -> None:
    done = xlmv("calc", *args)
    assert done.returncode == 2 and message in done.stderr and not done.stdout
