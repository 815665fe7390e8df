"""Money from the ledger (issue 11): rows that would silently give wrong priors are errors naming the row.

- an unquoted ``3,000,000`` in a CSV split the amount into three fields: read as 3 yuan, the extra fields
  ignored, and 2,045,000 granted instead of 2,000,000;
- the same row twice counted twice without a word, and the grant dropped to 0: exact duplicates are an
  error (documented in the README's reviewer section);
- ``#REF!`` in an xlsx ledger was "金额未填写：（空）" and an unclosed quote "年度未填写".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_batch import A, api, application, ledger_xlsx, write
from test_ledger import HEADER, refused

from xlmv.cli import main


def test_unquoted_thousands_separator_is_an_error_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(
        f'统一社会信用代码,项目名称,年度,已获奖励（元）\n{A},项目甲,2025,"1,000,000"\n{A},项目一,2025,3,000,000\n',
        encoding="utf-8",
    )
    message = refused(path, "第 3 行有 6 个字段，表头有 4 个", "双引号")
    assert "第 2 行" not in message  # the quoted amount is fine


def test_a_row_with_fewer_fields_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(f"统一社会信用代码,项目名称,年度,已获奖励（元）\n{A},项目一,2025\n", encoding="utf-8")
    refused(path, "第 2 行有 3 个字段，表头有 4 个", "少了 1 个")


def test_the_batch_stops_on_a_ragged_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    decl = write(
        tmp_path / "申报", "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "10000000"))
    )
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        f"统一社会信用代码,项目名称,年度,已获奖励（元）\n{A},项目一,2025,3,000,000\n", encoding="utf-8"
    )
    code = main(["batch", str(decl), "-o", str(tmp_path / "o.xlsx"), "--ledger", str(ledger), "--jobs", "1"])
    assert code == 2 and "第 2 行有 6 个字段" in capsys.readouterr().err
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exact_duplicate_rows_are_an_error(tmp_path: Path, suffix: str) -> None:
    rows = [[A, "项目一", 2025, 500000], [A, "项目二", 2025, 500000], [A, "项目 一", 2025, 500000]]
    if suffix == ".csv":
        path = tmp_path / "台账.csv"
        path.write_text(
            ",".join(HEADER) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows), "utf-8"
        )
    else:
        path = ledger_xlsx(tmp_path / "台账.xlsx", HEADER, rows)
    refused(path, "第 4 行与第 2 行完全相同", "重复计算")


def test_same_project_different_amounts_is_not_a_duplicate(tmp_path: Path) -> None:
    from xlmv_workbook.review.ledger import read_ledger

    path = ledger_xlsx(
        tmp_path / "台账.xlsx", HEADER, [[A, "项目一", 2025, 500000], [A, "项目一", 2025, 400000]]
    )
    assert len(read_ledger(path).entries) == 2


def test_ref_error_in_an_xlsx_ledger_is_named(tmp_path: Path) -> None:
    path = ledger_xlsx(tmp_path / "台账.xlsx", HEADER, [[A, "项目一", 2025, "#REF!"]])
    message = refused(path, "第 2 行", "#REF!")
    assert "未填写" not in message


def test_ref_error_in_the_year_is_named(tmp_path: Path) -> None:
    path = ledger_xlsx(tmp_path / "台账.xlsx", HEADER, [[A, "项目一", 2025, 1], [A, "项目二", "#REF!", 100]])
    message = refused(path, "第 3 行", "年度是错误值 #REF!")
    assert "未填写" not in message


def test_an_unclosed_quote_is_named(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(
        f'统一社会信用代码,项目名称,年度,已获奖励（元）\n{A},项目一,2025,100\n{A},"项目二,2025,200\n{A},项目三,2025,300\n',
        encoding="utf-8",
    )
    message = refused(path, "第 3 行", "引号未闭合")
    assert "年度未填写" not in message
