"""``xlmv verify``: a clean export passes; a changed cell, a changed code, a tampered embedded document or a
changed policy is reported, naming the cell and old → new value."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from commands import xlmv
from workbooks import not_ours, sha256, write_workbook

from xlmv_workbook.export.canonical import canonical_json, verification_code
from xlmv_workbook.export.submission import CHUNK, CODE_NAME, DATA, export, read_embedded
from xlmv_workbook.export.verify import Verification, run, to_text, verify_file


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verify")
    return export(write_workbook(folder / "in.xlsx"), folder / "out").workbook


def ref_of(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return sheet, ref.replace("$", "")


def edited(original: Path, target: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """A copy of the export changed by ``change`` and saved (as a user's spreadsheet program would)."""
    wb = openpyxl.load_workbook(original)
    change(wb)
    wb.save(target)
    return target


def set_named(name: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def change(wb: openpyxl.Workbook) -> None:
        sheet, cell = ref_of(wb, name)
        wb[sheet][cell].value = value

    return change


def rewrite_document(edit: Callable[[dict], None]) -> Callable[[openpyxl.Workbook], None]:
    """Edit the embedded JSON, then (like a forger would) store it canonically and show its new code."""

    def change(wb: openpyxl.Workbook) -> None:
        text = read_embedded(wb)
        assert text is not None
        document = json.loads(text)
        edit(document)
        new = canonical_json(document)
        ws = wb[DATA]
        for row in range(2, ws.max_row + 1):
            ws.cell(row=row, column=1).value = None
        for n, start in enumerate(range(0, len(new), CHUNK), start=2):
            cell = ws.cell(row=n, column=1, value=new[start : start + CHUNK])
            cell.data_type = "s"
        set_named(CODE_NAME, verification_code(new))(wb)

    return change


def report(path: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run([str(path)], out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_a_clean_export_passes(original: Path) -> None:
    before = sha256(original)
    result = verify_file(original)
    assert result.ok and result.checked_cells > 100
    code, text = report(original)
    assert code == 0 and "校验通过" in text
    assert result.code in text
    assert sha256(original) == before  # verify only reads


def test_a_changed_amount_is_named_with_old_and_new(original: Path, tmp_path: Path) -> None:
    path = edited(original, tmp_path / "x.xlsx", set_named("_MV_P1_S1_CLAIMED", 3100000))
    wb = openpyxl.load_workbook(original)
    sheet, cell = ref_of(wb, "_MV_P1_S1_CLAIMED")
    result = verify_file(path)
    assert [(d.where, d.name, d.old, d.new) for d in result.differences] == [
        (f"{sheet}!{cell}", "_MV_P1_S1_CLAIMED", "6200000.00", "3100000.00")  # 01-星河智算: 620万
    ]
    code, text = report(path)
    assert code == 1
    assert (
        f"{sheet}!{cell}" in text and "6200000.00" in text and "3100000.00" in text and "校验未通过" in text
    )


def test_a_changed_company_name_is_named(original: Path, tmp_path: Path) -> None:
    path = edited(original, tmp_path / "x.xlsx", set_named("_MV_COMPANY_NAME", "北京另一家公司"))
    (difference,) = verify_file(path).differences
    assert difference.where == "附件3-3 申报表!B4"
    assert (difference.old, difference.new) == ("北京星河智算科技有限公司（示例）", "北京另一家公司")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MV_TOTAL_REWARD", 5000000),
        ("MV_F_P1_GRANTED", 2045000.01),
        ("MV_P2_FEE_COMPUTE", 0),
        ("MV_P1_TIER", 2),  # 620万 is in 第三档,
    ],
)
def test_changed_computed_values_are_caught(original: Path, tmp_path: Path, name: str, value: object) -> None:
    path = edited(original, tmp_path / "x.xlsx", set_named(name, value))
    assert [d.name for d in verify_file(path).differences] == [name]


def test_a_formula_typed_over_a_value_is_caught(original: Path, tmp_path: Path) -> None:
    path = edited(original, tmp_path / "x.xlsx", set_named("MV_TOTAL_REWARD", "=2495000"))
    (difference,) = verify_file(path).differences
    assert difference.new == "=2495000"


def test_changing_the_code_cell_alone_is_caught(original: Path, tmp_path: Path) -> None:
    path = edited(original, tmp_path / "x.xlsx", set_named(CODE_NAME, "0000-0000-0000-0000"))
    result = verify_file(path)
    (difference,) = result.differences
    assert difference.name == CODE_NAME and difference.where == "附件3-3 申报表!E1"
    assert (difference.old, difference.new) == (result.code, "0000-0000-0000-0000")
    assert "校验码" in difference.problem


def test_editing_the_embedded_data_without_the_code_is_caught(original: Path, tmp_path: Path) -> None:
    def change(wb: openpyxl.Workbook) -> None:
        cell = wb[DATA]["A2"]
        cell.value = cell.value.replace('"total":"2495000.00"', '"total":"5000000.00"')

    path = edited(original, tmp_path / "x.xlsx", change)
    problems = [d.problem for d in verify_file(path).differences]
    assert any("校验码" in p for p in problems)


def test_recomputation_catches_a_forged_result(original: Path, tmp_path: Path) -> None:
    """Results and the shown total rewritten consistently with a fresh digest pass checks 1 and 2; the engine,
    run again on the embedded declaration, still disagrees."""

    def forge(document: dict) -> None:
        document["results"]["total"] = "5000000.00"
        document["cells"]["MV_TOTAL_REWARD"]["value"] = "5000000.00"

    def change(wb: openpyxl.Workbook) -> None:
        rewrite_document(forge)(wb)
        set_named("MV_TOTAL_REWARD", 5000000)(wb)

    result = verify_file(edited(original, tmp_path / "x.xlsx", change))
    assert {(d.name, d.old, d.new) for d in result.differences} == {
        ("results.total", '"5000000.00"', '"2495000.00"'),
        ("MV_TOTAL_REWARD", "5000000.00", "2495000.00"),
    }
    assert all(d.problem.startswith("按嵌入的申报数据重新计算") for d in result.differences)


def test_a_changed_policy_version_is_said(original: Path, tmp_path: Path) -> None:
    def older(document: dict) -> None:
        document["policy"]["version"] = "2023.9"

    result = verify_file(edited(original, tmp_path / "x.xlsx", rewrite_document(older)))
    (difference,) = result.differences
    assert difference.where == "政策" and "政策版本" in difference.problem
    assert (difference.old, difference.new) == ("beijing-2024@2023.9", "beijing-2024@2024.1")
    assert any("结果与导出时一致" in note for note in result.notes)


def test_a_deleted_name_is_reported(original: Path, tmp_path: Path) -> None:
    def drop(wb: openpyxl.Workbook) -> None:
        del wb.defined_names["MV_P1_REWARD"]

    (difference,) = verify_file(edited(original, tmp_path / "x.xlsx", drop)).differences
    assert difference.name == "MV_P1_REWARD" and "定义名称" in difference.problem


def test_saving_without_changes_still_passes(original: Path, tmp_path: Path) -> None:
    assert verify_file(edited(original, tmp_path / "x.xlsx", lambda wb: None)).ok


def test_files_that_are_not_exports(original: Path, tmp_path: Path) -> None:
    template = write_workbook(tmp_path / "template.xlsx")
    code, text = report(template)
    assert code == 2 and "不是 xlmv export 导出的申报文件" in text
    code, text = report(not_ours(tmp_path / "other.xlsx"))
    assert code == 2
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(original.read_bytes()[:2000])
    code, text = report(broken)
    assert code == 2 and str(broken) in text


def test_cli_exit_codes(original: Path, tmp_path: Path) -> None:
    ok = xlmv("verify", str(original))
    assert ok.returncode == 0 and "校验通过" in ok.stdout
    changed = edited(original, tmp_path / "x.xlsx", set_named("_MV_COMPANY_NAME", "改过的名称"))
    bad = xlmv("verify", str(original), str(changed))
    assert bad.returncode == 1 and "改过的名称" in bad.stdout
    shutil.copy(original, tmp_path / "copy.xlsx")
    assert xlmv("verify", str(tmp_path / "copy.xlsx")).returncode == 0


def test_report_is_honest_about_its_limits(original: Path) -> None:
    text = to_text(verify_file(original))
    assert "没有密钥" in text and "伪造" in text
    assert isinstance(verify_file(original), Verification)
