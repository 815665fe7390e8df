"""Tests for ``xlmv check FILE... [--json]``: findings and recomputed rewards per file, exit codes 0/1/2,
hostile files reported without a traceback while the others are still checked, inputs never modified."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from workbooks import (
    VALID_TOTAL,
    new_template,
    not_ours,
    sha256,
    valid_values,
    write_workbook,
    zip_with,
)

from xlmv.cli import main
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.safety import OLE2_SIGNATURE

REF = {f.path: f.ref for f in layout.fields()}
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><workbook>&c;</workbook>'
)


def check(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["check", *(str(a) for a in args)])
    out, err = capsys.readouterr()
    return code, out, err


def bad_file(tmp_path: Path) -> Path:
    values = valid_values()
    values["products[0].services[0].claimed_amount"] = "12o万"
    return write_workbook(tmp_path / "有错误.xlsx", values)


def hostile_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """name → (file, a fragment its Chinese message must contain)."""
    folder.mkdir(exist_ok=True)
    valid = write_workbook(folder / "模板.xlsx")
    data = valid.read_bytes()
    files: dict[str, tuple[Path, str]] = {}

    def put(name: str, content: bytes, fragment: str) -> None:
        path = folder / name
        path.write_bytes(content)
        files[name] = (path, fragment)

    put("截断.xlsx", data[: len(data) // 2], "文件已损坏")
    put("随机.xlsx", random.Random(3).randbytes(2048), "不是 ZIP 格式")
    put("空.xlsx", b"", "文件为空")
    put("旧版.xls", OLE2_SIGNATURE + bytes(1024), ".xls")
    put("加密.xlsx", OLE2_SIGNATURE + bytes(1024), "文件已加密（设有打开密码）")
    bomb = zip_with(
        folder / "炸弹.xlsx",
        {"xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (16 * 1024 * 1024)},
    )
    files[bomb.name] = (bomb, "疑似压缩炸弹")
    laughs = zip_with(folder / "笑.xlsx", {"xl/workbook.xml": BILLION_LAUGHS})
    files[laughs.name] = (laughs, "DTD 或实体声明")
    other = not_ours(folder / "别人的.xlsx")
    files[other.name] = (other, "不是模型券申报表模板（缺少定义名称 MV_TEMPLATE_ID）")
    wb = new_template()
    del wb.defined_names["_MV_P1_NAME"]
    wb.save(folder / "缺名称.xlsx")
    files["缺名称.xlsx"] = (folder / "缺名称.xlsx", "缺少定义名称：_MV_P1_NAME")
    files["不存在.xlsx"] = (folder / "不存在.xlsx", "文件不存在")
    valid.unlink()
    return files


def test_valid_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "申报表.xlsx")
    before = sha256(path)
    code, out, err = check(capsys, path)
    assert (code, err) == (0, "")
    assert "校验：未发现问题" in out
    # 01-星河智算: API 620万 reaches 第三档; 162万 + 42.5万 = 204.5万; private 250万 → 45万 (workbooks.py)
    assert "产品1" in out and "星河智能投研助手" in out and "API调用" in out and "第三档" in out
    assert "2,045,000.00" in out and "450,000.00" in out
    assert "企业合计：2,495,000.00 元" in out
    assert sha256(path) == before


def test_file_with_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    code, out, _ = check(capsys, path)
    assert code == 1
    assert "校验：共 1 项：错误 1，警告 0" in out
    line = next(line for line in out.splitlines() if "12o万" in line)
    assert line.startswith("错误") and REF["products[0].services[0].claimed_amount"] in line
    assert "附件3-3" in line
    assert "企业合计：875,000.00 元" in out  # the bad 620万 service is left out: 85万 × 50% + 45万 private


def test_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "申报表.xlsx")
    bad = bad_file(tmp_path)
    code, out, _ = check(capsys, good, bad, tmp_path / "不存在.xlsx", "--json")
    assert code == 2
    reports = json.loads(out)
    assert [r["file"] for r in reports] == [str(good), str(bad), str(tmp_path / "不存在.xlsx")]
    first, second, third = reports
    assert first["readable"] and first["errors"] == 0 and first["findings"] == []
    assert first["total"] == f"{VALID_TOTAL:.2f}"
    assert [(p["slot"], p["kind"], p["tier"], p["reward"], p["granted"]) for p in first["products"]] == [
        (1, "api", 3, "2045000.00", "2045000.00"),  # 162万 + 42.5万
        (2, "private", 2, "450000.00", "450000.00"),  # 200万 × 20% + 50万 × 10%
    ]
    [finding] = second["findings"]
    assert finding["cell"] == REF["products[0].services[0].claimed_amount"]
    assert (finding["severity"], finding["code"], finding["clause"]) == ("错误", "input.invalid", "附件3-3")
    assert third == {
        "file": str(tmp_path / "不存在.xlsx"),
        "readable": False,
        "error": "文件不存在，请检查路径和文件名",
    }


def test_exit_code_is_the_worst(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "申报表.xlsx")
    assert check(capsys, good, bad_file(tmp_path))[0] == 1
    assert check(capsys, good, good)[0] == 0


def test_cached_results_are_never_trusted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Even if the workbook's own computed cells say otherwise, check recomputes from the inputs."""
    path = write_workbook(tmp_path / "申报表.xlsx")
    wb = load_workbook(path)
    sheet, cell = wb.defined_names[layout.TOTAL_NAME].attr_text.replace("$", "").split("!")
    wb[sheet.strip("'")][cell] = 9_999_999
    wb.save(path)
    code, out, _ = check(capsys, path)
    assert code == 0 and "企业合计：2,495,000.00 元" in out and "9,999,999" not in out


def test_hostile_files_do_not_stop_the_batch(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = hostile_files(tmp_path / "坏文件")
    good = write_workbook(tmp_path / "申报表.xlsx")
    paths = [p for p, _ in files.values()]
    hashes = {p: sha256(p) for p in [*paths, good] if p.exists()}
    code, out, err = check(capsys, *paths[:5], good, *paths[5:])
    assert code == 2
    assert "Traceback" not in out + err
    for path, fragment in files.values():
        line = next(line for line in err.splitlines() if line.startswith(f"xlmv check：{path}："))
        assert fragment in line, line
    assert f"文件：{good}" in out and "企业合计：2,495,000.00 元" in out
    assert {p: sha256(p) for p in hashes} == hashes


def test_as_a_separate_process(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it: no traceback, exit 2, the good file still checked."""
    files = hostile_files(tmp_path / "坏文件")
    good = write_workbook(tmp_path / "申报表.xlsx")
    run = subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "check", str(files["炸弹.xlsx"][0]), str(good), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "疑似压缩炸弹" in run.stderr
    bomb, ok = json.loads(run.stdout)
    assert bomb["readable"] is False and "疑似压缩炸弹" in bomb["error"]
    assert ok["readable"] is True and ok["total"] == "2495000.00"


def test_xlsm_is_read_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    xlsx = write_workbook(tmp_path / "申报表.xlsx")
    xlsm = tmp_path / "申报表.xlsm"
    with zipfile.ZipFile(xlsx) as source, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
    code, out, _ = check(capsys, xlsm)
    assert code == 0 and "企业合计：2,495,000.00 元" in out


def test_usage_error_without_files(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check"])
    assert caught.value.code == 2
    assert "参数错误" in capsys.readouterr().err
