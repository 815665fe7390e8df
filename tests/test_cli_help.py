"""The terminal: help in Chinese (argparse's labels translated, wrapped by display width), each command's
own help, ``check`` on folders, one message per error on stderr, and exit codes as the README says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from commands import xlmv
from workbooks import write_workbook

from xlmv.cli import COMMANDS, main
from xlmv.helpformat import LABELS
from xlmv.linebreak import display_width

README = Path(__file__).resolve().parent.parent / "README.md"
ENGLISH = (
    "usage:",
    "positional arguments",
    "options:",
    "optional arguments",
    "show this help",
    "show program's",
)
HELPS = [[], *([name] for name in COMMANDS), ["excel", "setup"]]


def help_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--help"])
    assert caught.value.code == 0
    captured = capsys.readouterr()
    assert not captured.err
    return captured.out


@pytest.mark.parametrize("argv", HELPS, ids=lambda a: " ".join(a) or "xlmv")
def test_help_is_chinese(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(argv, capsys)
    for english in ENGLISH:
        assert english not in text, english
    assert text.startswith(LABELS["usage"] + "xlmv")
    assert f"{LABELS['options']}：" in text and LABELS["help"] in text


@pytest.mark.parametrize("argv", HELPS, ids=lambda a: " ".join(a) or "xlmv")
def test_help_wraps_by_display_width(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # argparse wraps at COLUMNS - 2
    for line in help_of(argv, capsys).splitlines():
        if " " not in line.strip() or "[" not in line:  # usage lines may hold one long unbreakable option
            assert display_width(line) <= 60, line


def test_help_columns_line_up_with_chinese_metavars(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    lines = help_of(["calc"], capsys).splitlines()
    starts = set()
    for line in lines:
        if re.match(r"\s+(--api|--private|--ratio|--json|-h)\b", line):
            head = re.match(r"(\s+\S+(?: \S+)?\s+)", line)
            assert head is not None
            starts.add(display_width(head[1]))
    assert len(starts) == 1, lines  # every help text starts in the same terminal column


def test_excel_setup_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    setup = help_of(["excel", "setup"], capsys)
    parent = help_of(["excel"], capsys)
    assert setup != parent
    assert setup.startswith(LABELS["usage"] + "xlmv excel setup")
    assert "xlwings.conf" in setup and "退出码" in setup
    assert "setup" in parent


def test_version_and_usage_errors_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["calc", "--bogus"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(LABELS["usage"]) and "无法识别的参数：--bogus" in err and "usage" not in err


# ------------------------------------------------------------------------------------------- check


def test_check_reads_folders_recursively(tmp_path: Path) -> None:
    folder = tmp_path / "申报"
    (folder / "二批" / "子目录").mkdir(parents=True)
    first = write_workbook(folder / "一.xlsx")
    second = write_workbook(folder / "二批" / "子目录" / "二.xlsm")
    (folder / "~$一.xlsx").write_bytes(b"lock")  # Excel's lock file is skipped, as in batch
    (folder / "说明.txt").write_text("不是申报表", encoding="utf-8")
    run = xlmv("check", str(folder))
    assert run.returncode == 0, run.stderr
    assert f"文件：{first}" in run.stdout and f"文件：{second}" in run.stdout
    assert run.stdout.count("文件：") == 2 and not run.stderr


def test_a_folder_without_workbooks_is_an_error(tmp_path: Path) -> None:
    run = xlmv("check", str(tmp_path))
    assert run.returncode == 2 and not run.stdout
    assert run.stderr.strip() == f"xlmv check：{tmp_path}：文件夹中没有申报表（.xlsx/.xlsm）"


def test_each_error_once_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "不存在.xlsx"
    run = xlmv("check", str(missing))
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [f"xlmv check：{missing}：文件不存在，请检查路径和文件名"]


def test_readme_help_and_code_agree_on_check_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = README.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("退出码"))
    codes = dict(re.findall(r"([0-3]) = ([^；]+)", line))
    assert "无法读取" in codes["2"] and "check" in codes["2"], codes
    assert "check" not in codes["1"], codes  # 1 is about findings (and batch's unreadable rows)
    assert "2 有文件无法读取" in help_of(["check"], capsys)
    assert xlmv("check", str(tmp_path / "不存在.xlsx")).returncode == 2
