"""Tests for xlmv_workbook.review.ledger: the ledger of awards already granted, read strictly (.xlsx and .csv),
with header synonyms, and every bad row refused with the file and row named."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from test_batch import A, B, ledger_xlsx, uscc
from workbooks import sha256

from xlmv_workbook.review.ledger import LedgerError, normalise_name, normalise_uscc, read_ledger
from xlmv_workbook.xlsx.safety import OLE2_SIGNATURE

D = Decimal
HEADER = ["统一社会信用代码", "项目名称", "年度", "已获奖励（元）"]


def refused(path: Path, *fragments: str) -> str:
    before = sha256(path) if path.is_file() else None
    with pytest.raises(LedgerError) as caught:
        read_ledger(path)
    message = str(caught.value)
    assert message.startswith(f"{path}：")  # names the ledger file
    for fragment in fragments:
        assert fragment in message, message
    if before is not None:
        assert sha256(path) == before
    return message


def test_xlsx_ledger_with_synonyms_and_units(tmp_path: Path) -> None:
    path = ledger_xlsx(
        tmp_path / "台账.xlsx",
        ["信用代码", "产品名称", "年份", "已获奖励(元)", "备注"],
        [
            [A, "智能客服", 2024, 1_200_000, "第一批"],
            [A.lower(), "智能 客服", "2025年", "30万", None],
            [None, None, None, None, None],  # blank rows are skipped
            [B, "", 2025.0, "1,000,000.50", "企业层面"],
        ],
    )
    ledger = read_ledger(path)
    assert [(e.row, e.uscc, e.year, e.amount) for e in ledger.entries] == [
        (2, A, 2024, D("1200000.00")),
        (3, A, 2025, D("300000.00")),
        (5, B, 2025, D("1000000.50")),
    ]
    # API projects: cumulative over the years (附件3 二.1); private: the year only (二.2)
    assert ledger.project_prior(A, "智能客服", 2025, yearly=False) == D("1500000.00")
    assert ledger.project_prior(A, "ＳＭＡＲＴ", 2025, yearly=False) is None
    assert ledger.project_prior(A, "智能客服", 2025, yearly=True) == D("300000.00")
    assert ledger.project_prior(A, "智能客服", 2023, yearly=True) == D(
        "0"
    )  # known project, nothing that year
    assert ledger.project_prior(B, "", 2025, yearly=False) is None  # no project name: enterprise only
    assert ledger.enterprise_prior(A, 2025) == D("300000.00")
    assert ledger.enterprise_prior(f" {B.lower()} ", 2025) == D("1000000.50")
    assert ledger.enterprise_prior(A, 2023) is None
    assert ledger.enterprise_prior(A, None) is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_ledger_in_the_encodings_excel_writes(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "台账.csv"
    text = f'统一社会信用代码,项目名称,年度,已获奖励（元）\n{A},智能客服,2025,"1,200,000"\n\n{B},知识库,2024,50万\n'
    path.write_bytes(text.encode(encoding))
    ledger = read_ledger(path)
    assert [(e.row, e.project, e.amount) for e in ledger.entries] == [
        (2, "智能客服", D("1200000.00")),
        (4, "知识库", D("500000.00")),
    ]


def test_tab_separated_csv(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(
        f"统一社会信用代码\t项目名称\t年度\t已获奖励\n{A}\t智能客服\t2025\t100\n", encoding="utf-8"
    )
    assert read_ledger(path).enterprise_prior(A, 2025) == D("100.00")


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        (
            [A[:-1] + ("0" if A[-1] != "0" else "1"), "项目", 2025, 100],
            ("第 2 行", "统一社会信用代码无效", "校验位"),
        ),
        (["", "项目", 2025, 100], ("第 2 行", "统一社会信用代码未填写")),
        ([911101080000000000, "项目", 2025, 100], ("第 2 行", "代码被存为数字")),
        ([A, "项目", "二〇二五", 100], ("第 2 行", "年度无效")),
        ([A, "项目", 1999, 100], ("第 2 行", "年度无效")),
        ([A, "项目", None, 100], ("第 2 行", "年度未填写")),
        ([A, "项目", 2025, -100], ("第 2 行", "金额不能为负数")),
        ([A, "项目", 2025, "很多"], ("第 2 行", "已获奖励（元）", "金额无效")),
        ([A, "项目", 2025, None], ("第 2 行", "金额未填写")),
        ([A, "项目", 2025, "#N/A"], ("第 2 行", "已获奖励（元）是错误值 #N/A")),  # calamine shows it empty
        ([A, "项目", 2025, 100.001], ("第 2 行", "分")),
    ],
)
def test_bad_rows_name_the_file_and_row(
    tmp_path: Path, row: list[object], fragments: tuple[str, ...]
) -> None:
    refused(ledger_xlsx(tmp_path / "台账.xlsx", HEADER, [row]), *fragments)


def test_excel_error_text_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "台账.csv"
    path.write_text(f"统一社会信用代码,项目名称,年度,已获奖励\n{A},项目,2025,#DIV/0!\n", encoding="utf-8")
    refused(path, "第 2 行", "#DIV/0!")


def test_a_bad_row_after_good_ones(tmp_path: Path) -> None:
    rows = [[uscc(n), f"项目{n}", 2025, 1000] for n in range(1, 6)] + [[A, "项目", 2025, "abc"]]
    refused(ledger_xlsx(tmp_path / "台账.xlsx", HEADER, rows), "第 7 行")


def test_header_must_have_every_column(tmp_path: Path) -> None:
    refused(
        ledger_xlsx(tmp_path / "台账.xlsx", ["统一社会信用代码", "项目名称", "金额"], [[A, "项目", 1]]),
        "表头缺少列",
        "年度",
        "已获奖励（元）",
    )


def test_empty_and_foreign_files(tmp_path: Path) -> None:
    empty = tmp_path / "空.csv"
    empty.write_text("\n\n", encoding="utf-8")
    refused(empty, "台账为空")
    refused(tmp_path / "没有.csv", "文件不存在")
    binary = tmp_path / "乱码.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    refused(binary, "不是文本文件")
    noise = tmp_path / "随机.xlsx"
    noise.write_bytes(random.Random(5).randbytes(1000))
    refused(noise, "不是 ZIP 格式")
    legacy = tmp_path / "旧版.xlsx"
    legacy.write_bytes(OLE2_SIGNATURE + bytes(512))
    refused(legacy, "加密")
    other = tmp_path / "台账.txt"
    other.write_text("x", encoding="utf-8")
    refused(other, ".csv")


def test_normalisation() -> None:
    assert normalise_uscc(" ９１１１ａｂ ") == "9111AB"
    assert normalise_name(" 智能 客服（Ａ） ") == normalise_name("智能客服(a)")
