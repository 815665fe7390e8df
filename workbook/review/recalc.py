"""The recomputation inside a review workbook: rows and priors read back, caps redone, computed cells written.

Used by the ``MV_RECALC`` macro and by ``xlmv recalc`` (the file and command: ``review.recalcfile``).

``recalc_book`` reads the rows back from the review workbook through a ``ReviewBook`` (``OpenpyxlReview``
over a file, ``XlwingsReview`` over a live ``xlwings.Book``), recomputes and writes only the computed
cells (``sheets.Column.computed``). A value it cannot use (审定比例 ``abc``) is a ``WorkbookError`` naming
the sheet and cell, and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl.utils import get_column_letter

from xlmv.errors import InputError
from xlmv.money import ZERO, to_fen
from xlmv.parsing import (
    is_blank,
    parse_amount,
    parse_optional_amount,
    parse_optional_date,
    parse_ratio,
    plain_text,
)
from xlmv.policy import DEFAULT_POLICY, Policy, current_policy, mismatch
from xlmv.reward import Allocation
from xlmv_workbook.review import formulas, restore
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.caps import (
    MAX_SHOWN_PROBLEMS,
    UNREADABLE,
    RowInput,
    compute,
    group_key,
)
from xlmv_workbook.review.reviewbooks import ReviewBook
from xlmv_workbook.review.sheets import H, snapshot_header
from xlmv_workbook.xlsx.safety import WorkbookError


@dataclass
class RecalcSummary:
    """What a recalculation did."""

    rows: int  # products that took part
    groups: int
    total: Decimal
    written: set[tuple[str, int, int]] = field(default_factory=set)  # (sheet, row, column), 1-based
    # the engine's value of each formula written, by (sheet, row, column): the file path stores them as
    # the formulas' cached results, so a reader that does not recalculate sees the engine's figures
    cached: dict[tuple[str, int, int], object] = field(default_factory=dict)
    restored: list[str] = field(default_factory=list)  # overwritten formula cells, "复核明细!H4（…）"
    structure_changed: bool = False  # rows added, removed or moved: every formula was rewritten
    inputs_changed: list[str] = field(default_factory=list)  # editable cells changed since the last run


def _cell_ref(sheet: str, row: int, column: int) -> str:
    return f"{sheet}!{get_column_letter(column)}{row}"


def _columns(
    book: ReviewBook, sheet: str, header: Sequence[object], wanted: Sequence[review.Column], row: int = 1
) -> dict[str, int]:
    index = review.header_index(header)
    found = {c.header: index.get(review.header_key(c.header)) for c in wanted}
    missing = [h for h, n in found.items() if n is None]
    live = {c.header for c in wanted if c.live or c.hidden or c.header == H.CHECK}
    if missing and set(missing) <= live and len(missing) > 1:
        raise WorkbookError(
            book.source,
            f"工作表“{sheet}”缺少公式列（{'、'.join(missing)}）：此复核汇总表由旧版 xlmv batch 生成，"
            "请用 xlmv batch 重新生成（可带 --ledger 台账）",
        )
    if missing:
        raise WorkbookError(
            book.source,
            f"工作表“{sheet}”第 {row} 行缺少列标题：{'、'.join(missing)}；重算按列标题查找各列，请恢复原标题",
        )
    return {h: n for h, n in found.items() if n is not None}


def _settings(book: ReviewBook) -> dict[str, str]:
    if review.SETTINGS not in book.sheet_names() or review.DETAIL not in book.sheet_names():
        raise WorkbookError(
            book.source,
            f"不是 xlmv batch 生成的复核汇总表（缺少工作表“{review.SETTINGS}”或“{review.DETAIL}”），无法重算",
        )
    values = {}
    for row in book.read_sheet(review.SETTINGS)[1:]:
        if len(row) >= 2 and row[0] is not None:
            values[str(row[0]).strip()] = "" if row[1] is None else str(row[1]).strip()
    if values.get(review.SETTING_KIND) != review.KIND:
        raise WorkbookError(book.source, f"工作表“{review.SETTINGS}”不是 xlmv 复核设置，无法重算")
    return values


_MAX_INT = 9999  # a year or a product's slot


def _int(value: object) -> int | None:
    """A year or slot: a whole number from 0 to 9999 (NaN, infinities and 1e30 are refused)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError
    number: int | None = None
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer()):
        number = int(value)
    elif (text := str(value).strip()).isascii() and text.isdigit():
        number = int(text)
    if number is None or not 0 <= number <= _MAX_INT:
        raise ValueError
    return number


def _amounts(value: object) -> tuple[Decimal, ...]:
    """The hidden 申报金额明细 column: amounts separated by ``;``, each a valid amount (finite, not negative,
    within ``parse_amount``'s bound): the cell is hidden, but a file can hold anything."""
    text = plain_text(value)
    return (
        tuple(parse_amount(part.strip(), field=H.AMOUNTS) for part in text.split(";") if part.strip())
        if text
        else ()
    )


class _Problems:
    def __init__(self, book: ReviewBook) -> None:
        self.book, self.items = book, []

    def add(self, sheet: str, row: int, column: int, message: str) -> None:
        self.items.append(f"{_cell_ref(sheet, row, column + 1)}：{message}")

    def raise_any(self) -> None:
        if self.items:
            more = (
                f"（另有 {len(self.items) - MAX_SHOWN_PROBLEMS} 处）"
                if len(self.items) > MAX_SHOWN_PROBLEMS
                else ""
            )
            raise WorkbookError(
                self.book.source, "无法重算，请先修正：" + "；".join(self.items[:MAX_SHOWN_PROBLEMS]) + more
            )


def _ratio(value: object) -> Decimal | None:
    blank = is_blank(value)
    return None if blank else parse_ratio(value, field=H.RATIO)


@dataclass
class _Line:
    """One data row of a sheet, read by header."""

    at: Mapping[str, int]
    number: int
    values: Sequence[object]
    problems: _Problems

    def get(self, header: str) -> object:
        n = self.at[header]
        return self.values[n] if n < len(self.values) else None

    def text(self, header: str) -> str:
        return plain_text(self.get(header))

    def parse(self, header: str, parser: Any, default: Any) -> Any:
        raw = self.get(header)
        try:
            value = parser(raw)
        except (InputError, ValueError, ArithmeticError) as exc:
            shown = exc.message() if isinstance(exc, InputError) else f"{header}无效：{raw!r}"
            self.problems.add(review.DETAIL, self.number, self.at[header], shown)
            return default
        return default if value is None else value


def _blank_row(values: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _row_input(line: _Line, policy: Policy) -> RowInput:
    source = line.text(H.SOURCE)
    if line.text(H.STATUS) == UNREADABLE or not source:
        return RowInput(source, "", "", None, None, 0, "", None, readable=False)
    kind: str | None = None
    if line.text(H.KIND):
        try:
            kind = policy.kind(line.text(H.KIND)).id
        except KeyError:
            kind = None
    return RowInput(
        source=source,
        company=line.text(H.COMPANY),
        uscc=line.text(H.USCC),
        year=line.parse(H.YEAR, _int, None),
        date=line.parse(H.DATE, lambda v: parse_optional_date(v, field=H.DATE), None),
        slot=line.parse(H.SLOT, _int, 0),
        name=line.text(H.PRODUCT),
        kind=kind,
        amounts=line.parse(H.AMOUNTS, _amounts, ()) if kind is not None else (),
        ratio=line.parse(H.RATIO, _ratio, Decimal(1)),
        prior=line.parse(H.PRIOR, lambda v: parse_optional_amount(v, field=H.PRIOR), ZERO),
    )


def _read_rows(
    book: ReviewBook, policy: Policy, problems: _Problems
) -> tuple[list[RowInput], list[int], dict[str, int]]:
    table = book.read_sheet(review.DETAIL)
    if not table:
        raise WorkbookError(book.source, f"工作表“{review.DETAIL}”为空，无法重算")
    top = max(review.find_header(table, H.SOURCE), 0)
    at = _columns(book, review.DETAIL, table[top], review.DETAIL_COLUMNS, top + 1)
    rows: list[RowInput] = []
    sheet_rows: list[int] = []
    for number, values in enumerate(table[top + 1 :], start=top + 2):
        if not _blank_row(values):
            rows.append(_row_input(_Line(at, number, values, problems), policy))
            sheet_rows.append(number)
    return rows, sheet_rows, at


def _read_priors(
    book: ReviewBook, problems: _Problems
) -> tuple[dict[str, Decimal], dict[str, int], dict[str, int], int]:
    """Priors by group key, the sheet row of each key, the columns, and the last used row."""
    if review.SUMMARY not in book.sheet_names():
        raise WorkbookError(book.source, f"缺少工作表“{review.SUMMARY}”，无法重算")
    table = book.read_sheet(review.SUMMARY)
    if not table:
        raise WorkbookError(book.source, f"工作表“{review.SUMMARY}”为空，无法重算")
    top = max(review.find_header(table, H.GROUP), 0)
    at = _columns(book, review.SUMMARY, table[top], review.SUMMARY_COLUMNS, top + 1)
    priors: dict[str, Decimal] = {}
    where: dict[str, int] = {}
    last = top + 1
    for number, values in enumerate(table[top + 1 :], start=top + 2):
        if _blank_row(values):
            continue
        last = number
        key_at, prior_at = at[H.GROUP], at[H.YEAR_PRIOR]
        key = plain_text(values[key_at]) if key_at < len(values) else ""
        if not key or key in where:
            continue
        raw = values[prior_at] if prior_at < len(values) else None
        try:
            priors[key] = parse_optional_amount(raw, field=H.YEAR_PRIOR) or ZERO
        except InputError as exc:
            problems.add(review.SUMMARY, number, prior_at, exc.message())
        where[key] = number
    return priors, where, at, last


def _refuse_blanked_codes(
    rows: Sequence[RowInput],
    sheet_rows: Sequence[int],
    at: Mapping[str, int],
    where: Mapping[str, int],
    problems: _Problems,
) -> None:
    """A row whose 统一社会信用代码 is empty, although the batch grouped it under a code (no 按企业汇总 row
    for the file on its own): the code was cleared after the batch. Recalculating would make the row an
    enterprise of its own and drop the enterprise's prior award, so it is an error."""
    for row, number in zip(rows, sheet_rows, strict=True):
        if row.readable and not row.uscc.strip() and group_key("", row.year, row.source) not in where:
            problems.add(
                review.DETAIL,
                number,
                at[H.USCC],
                "统一社会信用代码不能清空（清空后该申报会被当作另一家企业，已获奖励不再计入），请恢复原代码",
            )


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Contiguous runs of sheet rows as (first index, count) into ``rows`` (which is ascending)."""
    runs: list[tuple[int, int]] = []
    start = 0
    for n in range(1, len(rows) + 1):
        if n == len(rows) or rows[n] != rows[n - 1] + 1:
            runs.append((start, n - start))
            start = n
    return runs


def recalc_book(book: ReviewBook, *, write: bool = True) -> RecalcSummary:
    """Recompute a review workbook's computed cells from its input cells, with the allocation rule and
    policy recorded in its settings sheet, and rewrite its formulas (``formulas``): restoring every
    formula cell a reviewer overwrote (``RecalcSummary.restored``). ``write=False`` only inspects
    (``xlmv check-review``). Returns what was done (and which cells were written)."""
    settings = _settings(book)
    try:
        allocation = Allocation(settings.get(review.SETTING_ALLOCATION) or Allocation.IN_ORDER.value)
    except ValueError:
        raise WorkbookError(
            book.source,
            f"工作表“{review.SETTINGS}”中的分配规则 {settings.get(review.SETTING_ALLOCATION)!r} 无效，"
            "应为 in_order 或 pro_rata",
        ) from None
    recorded = str(settings.get(review.SETTING_POLICY) or DEFAULT_POLICY).strip()
    policy = current_policy()  # ``--policy``, else the default; the book must have been made under it
    refused = mismatch(recorded if "@" in recorded else f"{recorded}@{policy.version}", policy)
    if refused is not None:
        raise WorkbookError(book.source, refused)
    problems = _Problems(book)
    rows, sheet_rows, at = _read_rows(book, policy, problems)
    priors, where, summary_at, last = _read_priors(book, problems)
    _refuse_blanked_codes(rows, sheet_rows, at, where, problems)
    problems.raise_any()
    results, groups = compute(policy, rows, priors, allocation)

    summary = RecalcSummary(
        rows=sum(1 for r in results if r is not None),
        groups=len(groups),
        total=sum((g.total for g in groups.values()), ZERO),
    )
    keys = [key for key, _ in sorted(where.items(), key=lambda item: item[1])]
    new = [key for key in groups if key not in where]
    summary_rows = [where[k] for k in keys] + [last + 1 + n for n in range(len(new))]
    keys += new
    detail_table = book.read_sheet(review.DETAIL)
    summary_table = book.read_sheet(review.SUMMARY)
    detail_first = max(review.find_header(detail_table, H.SOURCE), 0) + 2
    summary_first = max(review.find_header(summary_table, H.GROUP), 0) + 2
    layout = formulas.Layout(
        detail=_letters(at),
        summary=_letters(summary_at),
        detail_first=detail_first,
        detail_last=max(sheet_rows, default=detail_first),
        summary_first=summary_first,
        summary_last=max(summary_rows, default=summary_first),
    )
    shape = formulas.structure(policy, rows, keys)
    detail_inputs = [{h: _at(detail_table, r, at[h]) for h in formulas.DETAIL_INPUTS} for r in sheet_rows]
    summary_inputs = [
        {h: _at(summary_table, r, summary_at[h]) for h in formulas.SUMMARY_INPUTS} for r in summary_rows
    ]
    detail_cells = formulas.detail_cells(
        policy, allocation, rows, results, shape, layout, sheet_rows, detail_inputs
    )
    group_cells = formulas.summary_cells(policy, keys, groups, shape, layout, summary_rows, summary_inputs)
    for n, key in enumerate(new):
        group = groups[key]
        group_cells[len(keys) - len(new) + n] |= {
            H.ENTERPRISE: group.company,
            H.USCC: group.uscc,
            H.GROUP_YEAR: group.year,
            H.YEAR_PRIOR: to_fen(group.prior),
            H.YEAR_PRIOR_SOURCE: "无",
            H.GROUP: group.key,
            snapshot_header(H.YEAR_PRIOR): to_fen(group.prior),
        }

    found = restore.inspect(
        book,
        [
            restore.Sheet(review.DETAIL, sheet_rows, at, detail_cells, formulas.DETAIL_FORMULAS),
            restore.Sheet(
                review.SUMMARY,
                summary_rows[: len(where)],
                summary_at,
                group_cells[: len(where)],
                formulas.SUMMARY_FORMULAS,
            ),
        ],
        structure_changed=bool(new) or _ids_changed(detail_table, sheet_rows, at, shape),
    )
    summary.restored, summary.structure_changed = found.cells, found.structure_changed
    summary.inputs_changed = found.inputs_changed
    if not write:
        return summary
    _write_cells(book, review.DETAIL, sheet_rows, at, detail_cells, review.DETAIL_COLUMNS, summary)
    _write_cells(book, review.SUMMARY, summary_rows, summary_at, group_cells, review.SUMMARY_COLUMNS, summary)
    return summary


def _letters(at: Mapping[str, int]) -> dict[str, str]:
    return {h: get_column_letter(n + 1) for h, n in at.items()}


def _at(table: Sequence[Sequence[object]], row: int, column: int) -> object:
    values = table[row - 1] if row - 1 < len(table) else []
    return values[column] if column < len(values) else None


def _ids_changed(
    table: Sequence[Sequence[object]],
    sheet_rows: Sequence[int],
    at: Mapping[str, int],
    shape: formulas.Structure,
) -> bool:
    """Whether rows were added, removed or moved since the ids were written (the formulas then all
    change, and are rewritten rather than reported one by one)."""
    for n, r in enumerate(sheet_rows):
        for header, wanted in (
            (H.ORDER, shape.order[n]),
            (H.GROUP_NO, shape.group[n]),
            (H.ENTERPRISE_NO, shape.enterprise[n]),
        ):
            have = _at(table, r, at[header])
            if (have is None and wanted is not None) or (have is not None and have != wanted):
                return True
    return False


def _write_cells(
    book: ReviewBook,
    sheet: str,
    sheet_rows: Sequence[int],
    at: Mapping[str, int],
    cells: Sequence[Mapping[str, object]],
    columns: Sequence[review.Column],
    summary: RecalcSummary,
) -> None:
    formats = {c.header: c.number_format for c in columns}
    headers = list(dict.fromkeys(h for values in cells for h in values))
    for header in headers:
        column = at[header] + 1
        for start, count in _runs(list(sheet_rows)):
            chunk = [cells[start + k].get(header) for k in range(count)]
            first = sheet_rows[start]
            book.write_column(sheet, column, first, chunk, formats.get(header))
            summary.written.update((sheet, first + k, column) for k in range(count))
            for k, value in enumerate(chunk):
                if isinstance(value, review.Formula):
                    summary.cached[(sheet, first + k, column)] = value.cached
