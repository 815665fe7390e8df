"""Excel's cell text limit counted as Excel counts it: 32,767 UTF-16 code units (issue 9 §3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from xlmv_workbook.export.writer import Writer
from xlmv_workbook.review.sheets import cell_text
from xlmv_workbook.xlsx import celltext

ASTRAL = "𠀀"  # CJK Extension B: one Python character, two UTF-16 units


def test_astral_characters_count_twice() -> None:
    assert celltext.utf16_units(ASTRAL * 3 + "中") == 7
    assert len((ASTRAL * 3 + "中").encode("utf-16-le")) // 2 == 7


def test_review_cells_hold_at_most_32767_units() -> None:
    text = ASTRAL * 20_000  # 20,000 characters, 40,000 units: too long for Excel although len() < 32,767
    shown = cell_text(text)
    assert len(shown.encode("utf-16-le")) // 2 <= 32_767
    assert shown.endswith("…") and shown.startswith(ASTRAL)


@given(st.text(alphabet=st.sampled_from(["a", "中", ASTRAL]), max_size=300), st.integers(2, 50))
def test_truncate_and_chunks_respect_the_limit(text: str, limit: int) -> None:
    cut = celltext.truncate(text, limit)
    assert celltext.utf16_units(cut) <= limit
    assert cut == text or cut.endswith("…")
    pieces = celltext.chunks(text, limit)
    assert "".join(pieces) == text
    assert all(0 < celltext.utf16_units(p) <= limit for p in pieces)


def test_export_cells_hold_at_most_32767_units() -> None:
    """The export writer cuts text by the same rule as the review (``celltext``), not by Python characters."""
    writer = Writer(Workbook())
    ws = writer.sheet("表", {"A": 10})
    writer.put(ws, "A1", "MV_TEXT", "text", ASTRAL * 20_000)
    shown = ws["A1"].value
    assert len(shown.encode("utf-16-le")) // 2 == 32_767
    assert shown.endswith("…") and shown.startswith(ASTRAL)
    assert writer.cells[-1].value == shown  # the embedded canonical value agrees with the cell
