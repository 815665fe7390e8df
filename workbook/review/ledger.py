"""The ledger of awards already granted (``xlmv batch --ledger FILE``): who received how much, for which
project, in which year.

The ledger is trusted input that decides caps, so it is read strictly: an ``.xlsx``/``.xlsm`` (first
sheet) or a ``.csv`` (UTF-8, with or without BOM, or GB18030 as Excel saves it in China) whose first
non-empty row holds the headers 统一社会信用代码, 项目名称, 年度, 已获奖励（元） (or a synonym in
``HEADERS``; full-width and half-width brackets and blanks do not matter). Every later non-empty row is
one award. A CSV row with more or fewer fields than the header (an unquoted ``3,000,000``), an unclosed
quote, an Excel error value (``#REF!``) in a cell and two identical rows are errors too. A row that cannot be used (an invalid 统一社会信用代码, a year that is not a year, an amount
``xlmv.parsing.parse_amount`` rejects) is a ``LedgerError`` naming the file and the row: a broken ledger
must never silently give wrong caps. 项目名称 may be empty for an award that belongs to no project; it then
counts only towards the enterprise's year.

Matching (``Ledger.project_prior`` / ``Ledger.enterprise_prior``): codes by ``normalise_uscc``, project
names by ``normalise_name`` (NFKC, no blanks, case-folded).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from xlmv.errors import InputError
from xlmv.identifiers import IdentifierError, uscc
from xlmv.money import ZERO
from xlmv.parsing import is_blank, parse_amount, plain_text
from xlmv_workbook.read.bookxml import read_book_xml
from xlmv_workbook.xlsx.calamine import calamine_book
from xlmv_workbook.xlsx.safety import WorkbookError, archive_errors, open_checks
from xlmv_workbook.xlsx.sheetscan import scan_sheet

__all__ = [
    "HEADERS",
    "Ledger",
    "LedgerEntry",
    "LedgerError",
    "normalise_name",
    "normalise_uscc",
    "read_ledger",
]

HEADERS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "企业统一社会信用代码", "USCC"),
    "project": ("项目名称", "产品名称", "项目", "产品", "申报项目"),
    "year": ("年度", "年份", "奖励年度", "自然年", "年"),
    "amount": (
        "已获奖励（元）",
        "已获奖励",
        "奖励金额（元）",
        "奖励金额",
        "已获金额（元）",
        "已获金额",
        "金额（元）",
    ),
}
"""Accepted header texts for each ledger column (compared after ``_header_key``)."""
_REQUIRED_SHOWN = "统一社会信用代码、项目名称、年度、已获奖励（元）"
MAX_LEDGER_BYTES = 50 * 1024 * 1024
_YEAR_RE = re.compile(r"(\d{4})(?:\.0+)?年?(?:度)?")


class LedgerError(WorkbookError):
    """The ledger cannot be used; ``str()`` names the file (and the row)."""


@functools.lru_cache(maxsize=1 << 14)
def normalise_uscc(value: str) -> str:
    """A 统一社会信用代码 as compared across files: NFKC, no blanks, upper-case (``uscc.compact``)."""
    return uscc.compact(value)


@functools.lru_cache(maxsize=1 << 14)
def normalise_name(value: str) -> str:
    """A project name as compared across files: NFKC, no blanks, case-folded."""
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


def _header_key(value: object) -> str:
    return normalise_name(str(value)).replace("(", "（").replace(")", "）") if value is not None else ""


_HEADER_LOOKUP = {_header_key(text): column for column, texts in HEADERS.items() for text in texts}


@dataclass(frozen=True)
class LedgerEntry:
    """One granted award."""

    row: int  # as numbered in Excel or a text editor (1 = the first line)
    uscc: str  # normalised
    project: str  # as written
    year: int
    amount: Decimal


@dataclass(frozen=True)
class Ledger:
    """Awards already granted, with the two sums the caps need."""

    source: str
    entries: tuple[LedgerEntry, ...] = ()
    _projects: dict[tuple[str, str], list[LedgerEntry]] = field(default_factory=dict, repr=False)
    _years: dict[tuple[str, int], Decimal] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, source: str, entries: Iterable[LedgerEntry]) -> Ledger:
        entries = tuple(entries)
        projects: dict[tuple[str, str], list[LedgerEntry]] = {}
        years: dict[tuple[str, int], Decimal] = {}
        for e in entries:
            if e.project.strip():
                projects.setdefault((e.uscc, normalise_name(e.project)), []).append(e)
            years[(e.uscc, e.year)] = years.get((e.uscc, e.year), ZERO) + e.amount
        return cls(source, entries, projects, years)

    def project_prior(self, uscc: str, name: str, year: int | None, *, yearly: bool) -> Decimal | None:
        """What the project already received: over all years (``yearly=False``: the API project cap is
        cumulative, 附件3 二.1) or in ``year`` (the private-deployment cap is per year, 二.2). ``None``
        when the ledger does not know the project at all (then the workbook's own figure is used)."""
        found = self._projects.get((normalise_uscc(uscc), normalise_name(name)))
        if not found:
            return None
        return sum((e.amount for e in found if not yearly or e.year == year), ZERO)

    def enterprise_prior(self, uscc: str, year: int | None) -> Decimal | None:
        """What the enterprise received in ``year`` (附件3 二.3); ``None`` when the ledger has no row for it."""
        if year is None:
            return None
        return self._years.get((normalise_uscc(uscc), year))


# ------------------------------------------------------------------------------------------ reading


def read_ledger(path: str | os.PathLike[str]) -> Ledger:
    """Read and check a ledger file; any problem is a ``LedgerError`` naming the file (and row)."""
    p = Path(path)
    suffix = p.suffix.lower()
    errors: Mapping[tuple[int, int], str] = {}
    if suffix in (".xlsx", ".xlsm"):
        rows, errors = _xlsx_rows(p)
    elif suffix == ".csv":
        rows = _csv_rows(p)
    else:
        raise LedgerError(p, "台账文件应为 .xlsx、.xlsm 或 .csv")
    entries = _entries(p, rows, errors)
    _refuse_duplicates(p, entries)
    return Ledger.of(os.fspath(p), entries)


def _refuse_duplicates(path: Path, entries: Sequence[LedgerEntry]) -> None:
    """Two rows with the same code, project, year and amount: an award entered twice would be counted
    twice and cut the grant, so an exact duplicate is an error (two real awards of the same amount go in
    one row with their sum)."""
    first: dict[tuple[str, str, int, Decimal], int] = {}
    for e in entries:
        key = (e.uscc, normalise_name(e.project), e.year, e.amount)
        if key in first:
            raise LedgerError(
                path,
                f"第 {e.row} 行与第 {first[key]} 行完全相同（同一统一社会信用代码、项目、年度和金额），"
                "重复的记录会使已获奖励被重复计算；请删除重复的行（如确为两笔奖励，请合并为一行填写合计金额）",
            )
        first[key] = e.row


class _Everywhere(set[tuple[int, int]]):
    """Every cell, as the ``wanted`` set of ``scan_sheet``: the ledger's error cells may be anywhere."""

    def __contains__(self, item: object) -> bool:
        return True


def _xlsx_rows(path: Path) -> tuple[list[list[object]], dict[tuple[int, int], str]]:
    """The first sheet's values (calamine) and its error cells (``#REF!`` …, which calamine shows as
    empty), by 1-based (row, column)."""
    try:
        open_checks(path)
        with archive_errors(path), zipfile.ZipFile(path) as zf:
            sheets = read_book_xml(path, zf).sheets
            errors = {}
            if sheets:
                name, part = next(iter(sheets.items()))
                errors = scan_sheet(path, zf, part, name, _Everywhere()).errors
    except WorkbookError as exc:
        raise LedgerError(path, exc.problem) from None
    with calamine_book(path, lambda problem: LedgerError(path, problem), "台账") as book:
        if not book.sheet_names:
            raise LedgerError(path, "工作簿中没有工作表")
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False), errors


def _csv_rows(path: Path) -> list[list[object]]:
    try:
        size = path.stat().st_size
        if size > MAX_LEDGER_BYTES:
            raise LedgerError(path, f"台账文件过大（超过 {MAX_LEDGER_BYTES // (1024 * 1024)} MB）")
        data = path.read_bytes()
    except FileNotFoundError:
        raise LedgerError(path, "文件不存在，请检查路径和文件名") from None
    except IsADirectoryError:
        raise LedgerError(path, "不是文件（可能是文件夹）") from None
    except OSError as exc:
        raise LedgerError(path, f"无法读取文件：{exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost any byte string
        raise LedgerError(path, "无法识别文件编码，请另存为 UTF-8 编码的 CSV")
    if "\0" in text:
        raise LedgerError(path, "不是文本文件（含有空字节），台账应为 CSV 或 Excel 工作簿")
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";", "，"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[object]] = []
    starts: list[int] = []  # the line each row starts on (a quoted field may span lines)
    start = 1
    try:
        for row in reader:
            rows.append(list(row))
            starts.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise LedgerError(
                path,
                f"第 {start} 行：引号未闭合（该行有一个以双引号开始的字段，直到文件末尾都没有结束的双引号），"
                "请检查该行的引号",
            ) from None
        raise LedgerError(
            path, f"第 {start} 行：引号使用有误（{exc}），含逗号的字段应整体用双引号括起"
        ) from None
    _refuse_ragged(path, rows, starts, delimiter)
    return rows


def _refuse_ragged(
    path: Path, rows: Sequence[Sequence[object]], starts: Sequence[int], delimiter: str
) -> None:
    """Every row has as many fields as the header: an unquoted ``3,000,000`` splits one amount into three
    fields and would be read as 3 yuan."""
    header = next((n for n, r in enumerate(rows) if not all(is_blank(v) for v in r)), None)
    if header is None:
        return
    width = len(rows[header])
    for n in range(header + 1, len(rows)):
        row = rows[n]
        if all(is_blank(v) for v in row) or len(row) == width:
            continue
        more = len(row) > width
        hint = (
            f'金额中的千位分隔符“{delimiter}”需整个字段加双引号（如 "3,000,000"），或去掉分隔符'
            if more
            else "请补齐缺少的字段"
        )
        raise LedgerError(
            path,
            f"第 {starts[n]} 行有 {len(row)} 个字段，表头有 {width} 个（{'多' if more else '少'}了"
            f" {abs(len(row) - width)} 个）：{hint}",
        )


def _entries(
    path: Path, rows: Sequence[Sequence[object]], errors: Mapping[tuple[int, int], str] | None = None
) -> list[LedgerEntry]:
    header_at = next((n for n, r in enumerate(rows) if not all(is_blank(v) for v in r)), None)
    if header_at is None:
        raise LedgerError(path, f"台账为空：第一行应为表头（{_REQUIRED_SHOWN}）")
    columns: dict[str, int] = {}
    for n, value in enumerate(rows[header_at]):
        column = _HEADER_LOOKUP.get(_header_key(value))
        if column is not None and column not in columns:
            columns[column] = n
    missing = [HEADERS[c][0] for c in HEADERS if c not in columns]
    if missing:
        raise LedgerError(
            path,
            f"第 {header_at + 1} 行表头缺少列：{'、'.join(missing)}（表头应含 {_REQUIRED_SHOWN}）",
        )
    entries = []
    for n, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if all(is_blank(v) for v in row):
            continue

        def cell(column: str, row: Sequence[object] = row, n: int = n) -> object:
            index = columns[column]
            value = row[index] if index < len(row) else None
            if is_blank(value) and errors and (n, index + 1) in errors:
                raise LedgerError(
                    path,
                    f"第 {n} 行：{HEADERS[column][0]}是错误值 {errors[(n, index + 1)]}"
                    "（如 #REF! 为公式引用的单元格已被删除），请改为数值后重新保存",
                )
            return value

        try:
            entries.append(
                LedgerEntry(
                    row=n,
                    uscc=_uscc(cell("uscc")),
                    project=plain_text(cell("project")),
                    year=_year(cell("year")),
                    amount=parse_amount(cell("amount"), field="已获奖励（元）"),
                )
            )
        except InputError as exc:
            raise LedgerError(path, f"第 {n} 行：{exc.message()}") from None
    return entries


def _uscc(value: object) -> str:
    expected = "应为 18 位统一社会信用代码（文本格式）"
    if is_blank(value):
        raise InputError("统一社会信用代码未填写", value, expected, field="统一社会信用代码")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise InputError(
            "代码被存为数字", value, "请将该列设为文本格式后重新填写完整代码", field="统一社会信用代码"
        )
    try:
        return uscc.validate(value)
    except IdentifierError as exc:
        raise InputError(
            "统一社会信用代码无效", value, f"{exc.short()}；{expected}", field="统一社会信用代码"
        ) from None


def _year(value: object) -> int:
    expected = "应为四位年份，如 2024 或 2024年"
    if isinstance(value, bool) or is_blank(value):
        raise InputError("年度未填写" if is_blank(value) else "年度无效", value, expected, field="年度")
    year: int | None = None
    if isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str):
        match = _YEAR_RE.fullmatch("".join(unicodedata.normalize("NFKC", value).split()))
        year = int(match[1]) if match else None
    if year is None or not 2000 <= year <= 2100:
        raise InputError("年度无效", value, expected, field="年度")
    return year
