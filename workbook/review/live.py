"""The live cells of a review workbook as ``xlmv batch`` writes it: the ``formulas`` for rows laid out
as ``sheets.DETAIL_COLUMNS`` and ``SUMMARY_COLUMNS`` from ``sheets.FIRST_ROW``, and the sheets' title."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping, Sequence

from openpyxl.utils import get_column_letter

from xlmv.policy import Policy
from xlmv.reward import Allocation
from xlmv_workbook.review import formulas
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.caps import GroupResult, RowInput, RowResult
from xlmv_workbook.review.sheets import FIRST_ROW


def letters(columns: Sequence[review.Column]) -> dict[str, str]:
    return {c.header: get_column_letter(n) for n, c in enumerate(columns, start=1)}


def title(policy: Policy, day: dt.date, files: int) -> str:
    """The title row's text after the sheet name: batch date, policy version, number of files."""
    return f"批次日期 {day:%Y-%m-%d}　政策 {policy.id}（版本 {policy.version}）　申报文件 {files} 个"


def add_live_cells(
    policy: Policy,
    allocation: Allocation,
    rows: Sequence[RowInput],
    results: Sequence[RowResult | None],
    groups: Mapping[str, GroupResult],
    details: Sequence[MutableMapping[str, object]],
    sums: Sequence[MutableMapping[str, object]],
    keys: Sequence[str],
) -> None:
    """Put the formulas, engine values, snapshots and ids into the rows (by header) batch writes."""
    layout = formulas.Layout(
        detail=letters(review.DETAIL_COLUMNS),
        summary=letters(review.SUMMARY_COLUMNS),
        detail_first=FIRST_ROW,
        detail_last=FIRST_ROW + len(details) - 1,
        summary_first=FIRST_ROW,
        summary_last=FIRST_ROW + len(sums) - 1,
    )
    shape = formulas.structure(policy, rows, keys)
    cells = formulas.detail_cells(
        policy,
        allocation,
        rows,
        results,
        shape,
        layout,
        [FIRST_ROW + n for n in range(len(details))],
        details,
    )
    for values, extra in zip(details, cells, strict=True):
        values.update(extra)
    cells = formulas.summary_cells(
        policy, keys, groups, shape, layout, [FIRST_ROW + n for n in range(len(sums))], sums
    )
    for values, extra in zip(sums, cells, strict=True):
        values.update(extra)
