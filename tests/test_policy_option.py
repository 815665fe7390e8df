"""Issue 10.7: other schemes from the command line (``--policy FILE.toml``, ``xlmv policy show``), the
policy a workbook records, and refusing a workbook made under another policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from workbooks import valid_declaration

from xlmv.cli import main
from xlmv.policy import current_policy, load_policy
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.template.build import write_template
from xlmv_workbook.template.fill import fill_template

BUNDLED = Path(__file__).parents[1] / "xlmv" / "policies" / "beijing-2024.toml"


def _revised(tmp_path: Path) -> Path:
    """A revised Beijing policy: same id, version 2025.1, the first API band paying 60 % instead of 50 %."""
    text = BUNDLED.read_text(encoding="utf-8").replace('version = "2024.1"', 'version = "2025.1"', 1)
    text = text.replace('upper = "1000000"\n  rate = "0.50"', 'upper = "1000000"\n  rate = "0.60"', 1)
    path = tmp_path / "北京-2025修订.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_calc_uses_the_policy_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "calc", "--api", "100万", "--json", "--policy", str(_revised(tmp_path)))
    assert code == 0
    data = json.loads(out)
    assert (data["policy"], data["policy_version"]) == ("beijing-2024", "2025.1")
    assert data["total"] == "600000.00"  # 100万 × 60 %
    code, out, _ = _run(capsys, "calc", "--api", "100万", "--json")
    assert json.loads(out)["total"] == "500000.00"  # the bundled policy again
    assert current_policy().version == "2024.1"  # nothing left behind in the process


def test_calc_with_a_scheme_without_that_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "calc", "--api", "100万", "--policy", "flat-voucher-example")
    assert code == 2
    assert "没有 --api 对应的奖励方式" in err and "合同金额券（contract）" in err


def test_malformed_policy_file_names_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        BUNDLED.read_text(encoding="utf-8").replace('rate = "0.50"', 'rate = "1.50"', 1), encoding="utf-8"
    )
    for argv in (["calc", "--api", "1"], ["template", "-o", str(tmp_path / "t.xlsx")], ["check", "x.xlsx"]):
        code, _, err = _run(capsys, *argv, "--policy", str(bad))
        assert code == 2
        assert f"政策文件 {bad} 格式错误：kinds.0.bands.0.rate：应不大于 1" in err
    code, _, err = _run(capsys, "policy", "show", str(tmp_path / "missing.toml"))
    assert code == 2 and "无法读取政策文件" in err and "文件或目录不存在" in err


def test_policy_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "policy", "show")
    assert code == 0
    assert "beijing-2024@2024.1" in out
    for text in (
        "第一档",
        "100,000.00",
        "1,000,000.00",
        "50%",
        "附件3 二.4 API调用 第一档",
        "附件3 一.8",
        "附件3 二.3",
    ):
        assert text in out
    assert "单个项目累计" in out and "单一企业每个自然年" in out
    code, out, _ = _run(capsys, "policy", "show", str(_revised(tmp_path)))
    assert "beijing-2024@2025.1" in out and "60%" in out
    code, out, _ = _run(capsys, "policy", "show", "flat-voucher-example")
    assert "合同金额券" in out and "示例 第3条" in out


def test_template_records_the_policy_and_check_refuses_another(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    revised = _revised(tmp_path)
    template = tmp_path / "模板.xlsx"
    assert _run(capsys, "template", "-o", str(template), "--policy", str(revised))[0] == 0
    filled = fill_template(template, valid_declaration(), tmp_path / "申报表.xlsx")
    assert read_workbook(filled).policy_label == "beijing-2024@2025.1"

    code, out, err = _run(capsys, "check", str(filled))  # the bundled policy: refused
    assert code == 2
    assert "该文件按政策 beijing-2024@2025.1 生成，与本次使用的政策 beijing-2024@2024.1" in err

    code, out, err = _run(capsys, "check", str(filled), "--policy", str(revised), "--json")
    assert (code, err) == (0, "")
    [report] = json.loads(out)
    # the example (01-星河智算) under the revised 60 % first band:
    # 620万 API: 100万 × 60% + 400万 × 25% + 120万 × 10% = 172万; 85万 API: × 60% = 51万 → 223万;
    # private 250万: 200万 × 20% + 50万 × 10% = 45万 → 268万
    assert report["total"] == "2680000.00"

    code, out, _ = _run(capsys, "batch", str(filled), "-o", str(tmp_path / "复核.xlsx"), "--jobs", "1")
    assert code == 1 and "无法读取 1 个" in out  # refused under the bundled policy
    code, out, _ = _run(
        capsys,
        "batch",
        str(filled),
        "-o",
        str(tmp_path / "复核2.xlsx"),
        "--policy",
        str(revised),
        "--jobs",
        "1",
    )
    assert code == 0 and "2,680,000.00" in out

    code, _, err = _run(capsys, "export", str(filled), "-o", str(tmp_path / "out"))
    assert code == 2 and "beijing-2024@2025.1" in err
    code, out, err = _run(
        capsys, "export", str(filled), "-o", str(tmp_path / "out"), "--policy", str(revised)
    )
    assert code == 0, err
    [exported] = (tmp_path / "out").glob("*.xlsx")
    code, out, err = _run(capsys, "verify", str(exported), "--policy", str(revised))
    assert code == 0, out + err
    code, _, err = _run(capsys, "verify", str(exported), "--policy", "flat-voucher-example")
    assert code == 2 and "flat-voucher-example@1" in err


def test_batch_refuses_a_file_of_another_policy_in_its_issues(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    revised = _revised(tmp_path)
    write_template(tmp_path / "模板.xlsx", load_policy())
    filled = fill_template(tmp_path / "模板.xlsx", valid_declaration(), tmp_path / "申报表.xlsx")
    code, out, _err = _run(
        capsys,
        "batch",
        str(filled),
        "-o",
        str(tmp_path / "复核.xlsx"),
        "--policy",
        str(revised),
        "--jobs",
        "1",
    )
    assert code == 1
    assert "无法读取 1 个" in out


def test_recalc_refuses_a_review_book_of_another_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_template(tmp_path / "模板.xlsx", load_policy())
    filled = fill_template(tmp_path / "模板.xlsx", valid_declaration(), tmp_path / "申报表.xlsx")
    review = tmp_path / "复核.xlsx"
    assert _run(capsys, "batch", str(filled), "-o", str(review), "--jobs", "1")[0] == 0
    assert _run(capsys, "recalc", str(review))[0] == 0
    code, _, err = _run(capsys, "recalc", str(review), "--policy", str(_revised(tmp_path)))
    assert code == 2
    assert "beijing-2024@2024.1" in err and "beijing-2024@2025.1" in err
