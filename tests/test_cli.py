"""``xlmv calc`` run as a user runs it: a separate process, its exit code, stdout and stderr."""

from __future__ import annotations

import json

import pytest
from commands import xlmv

EXAMPLE = ["--api", "3000000", "--api", "800000", "--private", "2500000", "--prior-year-award", "1000000"]


def test_issue_example_as_json() -> None:
    run = xlmv("calc", *EXAMPLE, "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    first = out["api"]["services"][0]
    assert first["amount"] == "3000000.00"
    assert first["eligible"] is True
    assert first["tier"] == 2
    assert first["reward"] == "1000000.00"
    assert first["tiers"] == [
        {"tier": 1, "base": "1000000.00", "rate": "0.50", "reward": "500000.00"},
        {"tier": 2, "base": "2000000.00", "rate": "0.25", "reward": "500000.00"},
    ]
    second = out["api"]["services"][1]
    assert (second["amount"], second["tier"], second["reward"]) == ("800000.00", 1, "400000.00")
    assert out["api"]["reward"] == "1400000.00"
    assert out["private"]["reward"] == "450000.00"
    assert out["private"]["tier"] == 2
    assert out["enterprise_cap"] == {
        "limit": "5000000.00",
        "prior": "1000000.00",
        "available": "4000000.00",
        "binding": False,
    }
    assert out["total"] == "1850000.00"
    assert out["policy"] == "beijing-2024"


def test_issue_example_as_a_table() -> None:
    run = xlmv("calc", *EXAMPLE)
    assert run.returncode == 0, run.stderr
    assert "合计奖励：1,850,000.00 元" in run.stdout
    assert "第二档" in run.stdout and "不达标" not in run.stdout


def test_amount_in_wan() -> None:
    run = xlmv("calc", "--api", "120万", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    # 500,000 + 25% of 200,000 = 550,000
    assert out["api"]["services"][0]["amount"] == "1200000.00"
    assert out["api"]["reward"] == "550000.00"
    assert out["total"] == "550000.00"


def test_below_floor_is_shown_as_not_eligible() -> None:
    run = xlmv("calc", "--api", "99999.99", "--json")
    assert run.returncode == 0, run.stderr
    service = json.loads(run.stdout)["api"]["services"][0]
    assert (service["eligible"], service["tier"], service["reward"], service["tiers"]) == (
        False,
        0,
        "0.00",
        [],
    )
    table = xlmv("calc", "--api", "99999.99")
    assert "不达标" in table.stdout


def test_rounding_half_up_at_the_fen() -> None:
    run = xlmv("calc", "--api", "100000.01", "--json")
    assert json.loads(run.stdout)["total"] == "50000.01"


def test_enterprise_cap_binding_in_json() -> None:
    run = xlmv("calc", "--api", "4000万", "--private", "9100万", "--json")
    out = json.loads(run.stdout)
    assert (out["api"]["reward"], out["private"]["reward"]) == ("5000000.00", "5000000.00")
    assert out["enterprise_cap"]["binding"] is True
    assert out["total"] == "5000000.00"


@pytest.mark.parametrize("bad", ["12o万", "-5"])
def test_bad_amount_exits_2_with_a_chinese_message(bad: str) -> None:
    run = xlmv("calc", "--api", bad)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "金额" in run.stderr and "参数错误" in run.stderr
    assert repr(bad) in run.stderr  # says what was typed
    assert run.stdout == ""


def test_no_amount_exits_2() -> None:
    run = xlmv("calc")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "--api" in run.stderr and "请至少给出" in run.stderr


def test_bad_ratio_exits_2() -> None:
    run = xlmv("calc", "--api", "100万", "--ratio", "1.5")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "比例" in run.stderr


def test_ratio_scales_before_caps() -> None:
    run = xlmv("calc", "--api", "5000万", "--ratio", "80%", "--json")
    # 1,500,000 + 10% of 45,000,000 = 6,000,000; × 0.8 = 4,800,000 (under the 5,000,000 cap)
    assert json.loads(run.stdout)["api"]["reward"] == "4800000.00"


def test_an_internal_error_is_said_in_chinese_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug in a command shows a Chinese message and exit code 3, not a traceback (XLMV_DEBUG shows it)."""
    from xlmv import cli

    def broken(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "calc", broken)
    monkeypatch.delenv("XLMV_DEBUG", raising=False)
    assert cli.main(["calc", "--api", "1"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("xlmv calc：内部错误（RuntimeError：boom）")
    monkeypatch.setenv("XLMV_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["calc", "--api", "1"])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "缺少必需的参数：命令"),
        (("check",), "缺少必需的参数：文件"),
        (("calc", "--api"), "--api：需要一个值"),
        (("nope",), "命令：无效的选择 'nope'"),
        (("calc", "--bogus", "1"), "无法识别的参数：--bogus 1"),
    ],
)
def test_usage_errors_are_in_chinese(args: tuple[str, ...], expected: str) -> None:
    result = xlmv(*args)
    assert result.returncode == 2
    assert f"xlmv：参数错误：{expected}" in result.stderr
