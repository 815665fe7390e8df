"""The demo's materials: the foreign buyer and the reused invoice number are both caught, and the evidence
status shows in the check output, the 材料清单 sheet and the batch's 材料核验 sheet."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from xlmv_workbook.demo import run_demo
from xlmv_workbook.template import layout


def test_demo_catches_both_planted_problems(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(tmp_path / "示例", say=lines.append)
    text = "\n".join(lines)
    assert "材料核验（01-星河智算-材料/）：齐全" in text
    assert "已发现：产品1/3-1-4/" in text and "北京另一家科技有限公司（虚构示例） 不是申报单位" in text
    assert "在两份申报中重复使用，两份申报均记为错误" in text
    assert "需人工核对 1 项" in text
    for path in result.filled:
        assert (path.parent / f"{path.stem}-材料").is_dir()
    sheet = load_workbook(result.filled[2])[layout.CHECKLIST]
    row = layout.checklist_first_row(0) + 3
    assert sheet[f"{layout.EVIDENCE_COLUMN}{row}"].value.startswith("不符")
    review = load_workbook(result.review)
    rows = list(review["材料核验"].iter_rows(values_only=True))
    statuses = {r[7] for r in rows[1:]}
    assert {"齐全", "不符", "需人工核对"} <= statuses
