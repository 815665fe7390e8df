"""Reading a filled declaration template into a ``Declaration``, with the cell of every value.

Two ways in, one conversion: ``read_workbook`` reads a file (python-calamine for the values, defusedxml
for the defined names and for what calamine does not show: error cells and formulas without a saved
result), and ``xlmv_workbook.read.validate`` reads an open book through a ``BookAdapter``. Both hand the raw
cell values to ``read_values``, which checks that the book is our template, converts every
``layout.Field`` with ``convert`` and assembles the declaration.

Cells are found through the template's defined names, not through ``layout`` positions, so a user may
insert rows. Empty product slots and empty API-service rows are skipped; ``ReadResult`` remembers which
slot and row each declared product and service came from, so ``cell_for`` maps a finding's path back to
the cell the user typed in.

Only input cells are read. The template's computed cells (奖励测算) are never read: rewards are always
recomputed from the inputs by the engine.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import os
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xlmv.declaration import Declaration
from xlmv.errors import InputError
from xlmv.findings import Finding, Severity
from xlmv.money import format_yuan
from xlmv.parsing import excel_error_name, is_blank, parse_optional_amount, parse_optional_date
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.calamine import calamine_book
from xlmv_workbook.xlsx.cellrefs import cell_index, parse_ref
from xlmv_workbook.xlsx.safety import WorkbookError, archive_errors, open_checks, parse_xml, stream_part
from xlmv_workbook.xlsx.sheetscan import CachedFormula, UncachedFormula, bad_shared_string, scan_sheet

__all__ = [
    "INPUT_CLAUSE",
    "CachedFormula",
    "ReadResult",
    "UncachedFormula",
    "convert",
    "display_label",
    "parse_ref",
    "read_defined_names",
    "read_values",
    "read_workbook",
]

INPUT_CLAUSE = "附件3-3"
"""Largest used area (rows × columns) of a sheet handed to calamine, which allocates it densely."""

_REL_NS_SUFFIX = "relationships"  # r:id in either the transitional or the strict namespace


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ------------------------------------------------------------------------------------ workbook.xml


@dataclass(frozen=True)
class _BookXml:
    names: dict[str, tuple[str, str]]  # workbook-level defined name → (sheet, cell)
    unusable: frozenset[str]  # workbook-level names whose reference is not one cell (#REF!, ranges …)
    sheets: dict[str, str]  # sheet name → worksheet part in the ZIP


def _read_book_xml(path: str | os.PathLike[str], zf: zipfile.ZipFile) -> _BookXml:
    names: dict[str, tuple[str, str]] = {}
    unusable: set[str] = set()
    relation_of: dict[str, str] = {}
    current: list[str] | None = None  # the text of the definedName being read (it ends at the next tag)
    current_name = ""

    def finish_name() -> None:
        nonlocal current
        if current is not None:
            ref = parse_ref("".join(current))
            if ref is None:
                unusable.add(current_name)
            else:
                names[current_name] = ref
            current = None

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal current, current_name
        finish_name()
        local = tag.rpartition("}")[2]
        if local == "definedName":
            name = attrs.get("name") or ""
            # sheet-scoped names and Excel's built-ins (print areas …) are not ours
            if attrs.get("localSheetId") is None and not name.startswith("_xlnm."):
                current, current_name = [], name
        elif local == "sheet":
            sheet_name = attrs.get("name")
            relation = next((v for k, v in attrs.items() if _local(k) == "id" and _REL_NS_SUFFIX in k), None)
            if sheet_name is not None and relation is not None:
                relation_of[sheet_name] = relation

    def text(data: str) -> None:
        if current is not None:
            current.append(data)

    stream_part(path, zf, "xl/workbook.xml", start, None, text, namespaces=True)
    finish_name()
    targets: dict[str, str] = {}
    rels_part = "xl/_rels/workbook.xml.rels"
    if rels_part in zf.namelist():
        for element in parse_xml(path, rels_part, zf.read(rels_part)).iter():
            if _local(element.tag) == "Relationship":
                target = element.get("Target") or ""
                part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                targets[element.get("Id") or ""] = posixpath.normpath(part)
    sheets = {name: targets[rel] for name, rel in relation_of.items() if rel in targets}
    return _BookXml(names=names, unusable=frozenset(unusable), sheets=sheets)


def read_defined_names(path: str | os.PathLike[str]) -> dict[str, tuple[str, str]]:
    """Workbook-level defined names that refer to one cell (or a range: its top-left cell), as
    ``name → (sheet, cell)``. Sheet-scoped names, Excel's built-in names and names whose reference is
    not a cell (``#REF!``, constants, several areas) are left out."""
    open_checks(path)
    with archive_errors(path), zipfile.ZipFile(path) as zf:
        return dict(_read_book_xml(path, zf).names)


# ----------------------------------------------------------------------------------------- the file


def read_workbook(path: str | os.PathLike[str]) -> ReadResult:
    """Read a filled template file. Bad values become findings; a file that cannot be read, or that is
    not our template, is a ``WorkbookError``. The file is only read."""
    open_checks(path)
    with archive_errors(path), zipfile.ZipFile(path) as zf:
        book = _read_book_xml(path, zf)
        wanted_names = [layout.TEMPLATE_ID_NAME, layout.TEMPLATE_VERSION_NAME, layout.POLICY_VERSION_NAME] + [
            n for f in (*layout.fields(), *layout.material_file_fields()) for n in f.names
        ]
        if layout.TEMPLATE_ID_NAME not in book.names:
            raise _not_ours(path)
        wanted: dict[str, set[tuple[int, int]]] = {}
        for name in wanted_names:
            if name in book.names:
                sheet, cell = book.names[name]
                wanted.setdefault(sheet, set()).add(cell_index(cell))
        missing_sheets = [s for s in wanted if s not in book.sheets]
        if missing_sheets:
            raise WorkbookError(
                path,
                f"缺少工作表：{'、'.join(missing_sheets)}（定义名称仍指向它们）；模板可能被改动，请使用原始模板重新填写",
            )
        scans = {s: scan_sheet(path, zf, book.sheets[s], s, cells) for s, cells in wanted.items()}
    try:
        grids = _calamine_grids(path, {s: max(r for r, _ in cells) for s, cells in wanted.items()})
    except WorkbookError as exc:
        if "shared strings" not in exc.problem:
            raise
        with archive_errors(path), zipfile.ZipFile(path) as zf:
            bad = bad_shared_string(path, zf, {s: book.sheets[s] for s in wanted})
        if bad is None:
            raise
        sheet, cell, index, size = bad
        raise WorkbookError(
            path,
            f"工作表“{sheet}”的单元格 {cell} 引用共享字符串第 “{index}” 项，但共享字符串表只有 {size} 项"
            "（从 0 起编号），文件可能已损坏，请在 Excel 中重新保存",
        ) from None

    def read(name: str) -> object:
        if name not in book.names:
            raise KeyError(name)
        sheet, cell = book.names[name]
        row, col = cell_index(cell)
        scan = scans[sheet]
        if (row, col) in scan.errors:
            return scan.errors[(row, col)]
        if (row, col) in scan.uncached:
            return UncachedFormula(scan.uncached[(row, col)])
        grid = grids[sheet]
        if row > len(grid) or col > len(grid[row - 1]):
            value = None
        else:
            value = grid[row - 1][col - 1]
            value = None if value == "" else value
        if (row, col) in scan.formulas:
            return CachedFormula(scan.formulas[(row, col)], value)
        return value

    def address(name: str) -> str:
        if name not in book.names:
            raise KeyError(name)
        sheet, cell = book.names[name]
        return f"{sheet}!{cell}"

    return read_values(os.fspath(path), read, address, unusable=book.unusable)


def _calamine_grids(path: str | os.PathLike[str], rows: Mapping[str, int]) -> dict[str, list[list[object]]]:
    with calamine_book(path, lambda problem: WorkbookError(path, problem), "工作簿内容") as workbook:
        return {
            sheet: workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
            for sheet, nrows in rows.items()
        }


def _not_ours(source: str | os.PathLike[str]) -> WorkbookError:
    return WorkbookError(
        source,
        f"不是模型券申报表模板（缺少定义名称 {layout.TEMPLATE_ID_NAME}），"
        "请在 xlmv 生成的申报表模板（.xlsx/.xlsm）中填写后再检查",
    )


# ------------------------------------------------------------------------------------- conversion

_ZERO_DEFAULT_FIELDS = frozenset({"prior_award", "compute_fees", "data_fees", "prior_year_award"})
"""Amounts whose empty value is 0 in the Declaration: a 0 there does not make a product slot filled."""
_MAX_EXACT_FLOAT = 2**53
_MAX_CODE_NUMBER = 10**15
_YES, _NO = layout.YES_NO
_COUNT_EXPECTED = "应为不小于 0 的整数，如 120"


def _normalise(value: object) -> object:
    """Excel hands every number over as a float (calamine, COM) or, for integers, as an int (openpyxl):
    integral floats become ints so the three readers agree, also in the messages that show a value."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _MAX_EXACT_FLOAT:
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date()
    return value


def _reject_error(value: object, label: str, expected: str) -> None:
    name = excel_error_name(value)
    if name is not None:
        raise InputError(
            "单元格错误值", value, f"单元格显示 Excel 错误 {name}，请先修正该单元格；{expected}", field=label
        )


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, float):
        return format(value, ".15g") if math.isfinite(value) else str(value)
    return str(value)


def _text(value: object, label: str) -> str:
    if is_blank(value):
        return ""
    _reject_error(value, label, "应填写文字")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        return _number_text(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _code(value: object, label: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= _MAX_CODE_NUMBER:
        raise InputError(
            "代码被存为数字",
            value,
            "超过 15 位的数字在 Excel 中会丢失末尾数字，请先将单元格格式设为“文本”再重新输入完整代码",
            field=label,
        )
    return _text(value, label)


def _count(value: object, label: str) -> int | None:
    if is_blank(value):
        return None
    _reject_error(value, label, _COUNT_EXPECTED)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = "".join(unicodedata.normalize("NFKC", value).split()).replace(",", "").removesuffix("人")
        if re.fullmatch(r"-?[0-9]{1,12}", text):
            number = int(text)
    if number is None:
        raise InputError("数量无效", value, _COUNT_EXPECTED, field=label)
    if number < 0:
        raise InputError("数量不能为负数", value, _COUNT_EXPECTED, field=label)
    return number


def _yes_no(value: object, label: str) -> bool | None:
    if is_blank(value):
        return None
    expected = f"应为 {_YES} 或 {_NO}"
    _reject_error(value, label, expected)
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else None
    if text == _YES:
        return True
    if text == _NO:
        return False
    raise InputError("选项无效", value, expected, field=label)


def convert(f: layout.Field, value: object, *, label: str | None = None) -> object:
    """One cell's value as the Declaration wants it (``None`` or ``""`` when empty), by the field's type.

    Raises ``InputError`` whose message starts with ``label`` (default: the field's label).
    """
    label = label or f.label
    if isinstance(value, CachedFormula):
        value = value.value
    if isinstance(value, UncachedFormula):
        raise InputError(
            "公式没有计算结果",
            f"={value.formula}",
            "该单元格是公式但文件中没有保存计算结果；请在 Excel 中打开并保存后再检查，或直接填写数值",
            field=label,
        )
    value = _normalise(value)
    if f.type == "amount":
        return parse_optional_amount(value, field=label)
    if f.type == "date":
        return parse_optional_date(value, field=label)
    if f.type == "int":
        return _count(value, label)
    if f.type == "yes_no":
        return _yes_no(value, label)
    if f.type == "code":
        return _code(value, label)
    return _text(value, label)


_PRODUCT_RE = re.compile(r"products\[(?P<slot>[0-9]+)\]\.(?P<rest>.+)")
_SERVICE_RE = re.compile(r"services\[(?P<row>[0-9]+)\]\.(?P<attr>.+)")
_CHECK_RE = re.compile(r"checklist\[(?P<item>[0-9]+)\]")


@functools.cache
def display_label(f: layout.Field) -> str:
    """The field's label as shown in messages: product fields say which product (产品2 产品名称)."""
    match = _PRODUCT_RE.fullmatch(f.path)
    if match is None or f.label.startswith("产品"):
        return f.label
    return f"产品{int(match['slot']) + 1} {f.label}"


# ----------------------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class ReadResult:
    """A declaration read from a template, with where each value came from.

    ``cells`` maps every template field path (``products[1].services[2].claimed_amount``: the slot and
    row as laid out in the template) to the ``sheet!cell`` its defined name points at. The declaration
    holds only the filled product slots and service rows, renumbered from 0; ``product_slots[i]`` is
    the template slot of declared product ``i`` and ``service_rows[i][j]`` the template row of its
    service ``j``. ``cell_for`` uses them to map a finding's declaration path to its cell.
    """

    source: str
    declaration: Declaration
    findings: list[Finding]
    cells: dict[str, str]
    template_version: str
    product_slots: tuple[int, ...] = ()
    service_rows: tuple[tuple[int, ...], ...] = ()
    policy_label: str = ""  # ``id@version`` the template was built with; "" when the file records none
    files: dict[str, str] = field(
        default_factory=dict
    )  # 材料清单 file column: products[slot].files[i] → text

    def template_path(self, path: str) -> str:
        """A declaration path with its product and service indexes replaced by template slots and rows."""
        match = re.match(r"products\[([0-9]+)\]", path)
        if match is None:
            return path
        index = int(match[1])
        if index >= len(self.product_slots):
            return path
        rest = path[match.end() :]
        service = re.match(r"\.services\[([0-9]+)\]", rest)
        if service is not None and int(service[1]) < len(self.service_rows[index]):
            rest = f".services[{self.service_rows[index][int(service[1])]}]{rest[service.end() :]}"
        return f"products[{self.product_slots[index]}]{rest}"

    def field_for(self, path: str) -> layout.Field | None:
        """The input field a finding at declaration ``path`` points at: the field itself, else the first
        field of the group it names (``products[0].services`` → its first service's first cell), else
        that of the nearest enclosing group (``products[0].reward`` → the product's first cell)."""
        current = self.template_path(path).rstrip(".")
        by_path = layout.by_path()
        while current:
            if current in by_path:
                return by_path[current]
            for f in layout.fields():
                if f.path.startswith((current + ".", current + "[")):
                    return f
            parent = re.sub(r"(\.[^.\[\]]*|\[[0-9]+\])$", "", current)
            if parent == current:
                break
            current = parent
        return None

    def cell_for(self, path: str) -> str | None:
        """``申报表!B15`` for a finding's declaration path (after following the defined name), or None."""
        f = self.field_for(path)
        return None if f is None else self.cells.get(f.path, f.ref)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


def _text_of(value: object) -> str:
    value = _normalise(value)
    return "" if value is None else str(value).strip()


def read_values(
    source: str,
    read: Callable[[str], object],
    address: Callable[[str], str],
    *,
    unusable: Iterable[str] = (),
) -> ReadResult:
    """Check that a book is our template and read its declaration.

    ``read(name)`` is the value of the cell a defined name points at and ``address(name)`` that cell as
    ``sheet!cell``; both raise ``KeyError`` for a name the book does not have. ``unusable`` names
    exist but do not point at a cell (mentioned in the message when they are needed).
    """
    try:
        template_id = read(layout.TEMPLATE_ID_NAME)
    except KeyError:
        raise _not_ours(source) from None
    if _text_of(template_id) != layout.TEMPLATE_ID:
        raise WorkbookError(
            source,
            f"不是模型券申报表模板（定义名称 {layout.TEMPLATE_ID_NAME} 所指单元格的值为 "
            f"{_text_of(template_id)!r}，应为 {layout.TEMPLATE_ID!r}）",
        )
    try:
        version = _text_of(read(layout.TEMPLATE_VERSION_NAME))
    except KeyError:
        raise WorkbookError(
            source,
            f"申报表模板缺少定义名称 {layout.TEMPLATE_VERSION_NAME}，无法确定模板版本；请使用原始模板重新填写",
        ) from None
    if version != layout.TEMPLATE_VERSION:
        raise WorkbookError(
            source,
            f"申报表模板版本 {version!r} 不受支持（本工具读取版本 {layout.TEMPLATE_VERSION!r}）；"
            "请使用与本工具配套的模板，或升级 xlmv",
        )
    try:
        policy_label = _text_of(read(layout.POLICY_VERSION_NAME))
    except KeyError:
        policy_label = ""
    raw: dict[str, object] = {}
    cells: dict[str, str] = {}
    absent: list[layout.Field] = []
    for f in layout.fields():
        for name in f.names:  # the current name, else the first release's (``MV_USCC``)
            try:
                cells[f.path] = address(name)
                raw[f.path] = read(name)
                break
            except KeyError:
                continue
        else:
            absent.append(f)
    older = [f for f in absent if f.since > 1]  # cells a book of the first release does not have
    missing = [f.name for f in absent if f.since == 1]
    if missing:
        broken = set(unusable)
        shown = "、".join(n + ("（引用已失效）" if n in broken else "") for n in missing[:8])
        more = f" 等 {len(missing)} 个" if len(missing) > 8 else ""
        raise WorkbookError(
            source,
            f"申报表模板缺少定义名称：{shown}{more}；模板可能被改动（如删除了单元格或工作表），"
            "请使用原始模板重新填写",
        )
    result = build_result(source, raw, cells, version, policy_label)
    if older:
        result = dataclasses.replace(result, findings=[*result.findings, _older_book(older)])
    files: dict[str, str] = {}
    for f in layout.material_file_fields():  # optional: books without the column have no files
        try:
            text = _text_of(read(f.name))
        except KeyError:
            continue
        if text:
            files[f.path] = text
    return dataclasses.replace(result, files=files) if files else result


def _shown(value: object) -> str:
    value = _normalise(value)
    if isinstance(value, float):
        return _number_text(value)
    return "（空）" if value is None or value == "" else str(value)


def _cell_notes(f: layout.Field, raw: object, value: object) -> list[tuple[Severity, str, str]]:
    """What the reader used although the workbook itself cannot: (severity, code, message).

    A formula in an input cell: the value saved in the file was used, which Excel or LibreOffice may show
    differently once they recalculate (an error for amounts: money must not rest on a stale result). An
    amount the template's formulas compute with, stored as text: read, but those formulas show
    ``金额须为数字`` instead of a figure, so the printed form carries no reward until it is a number.
    """
    label = display_label(f)
    notes: list[tuple[Severity, str, str]] = []
    if isinstance(raw, CachedFormula):
        shown = f"={raw.formula}" if raw.formula else "共享公式"
        severity = Severity.ERROR if f.type == "amount" else Severity.WARNING
        notes.append(
            (
                severity,
                "input.formula",
                f"{label}：单元格是公式（{shown}），本工具使用了文件中保存的计算结果 {_shown(raw.value)}；"
                "Excel 或 LibreOffice 重新计算后可能显示不同的值。请直接填写数值，不要使用公式",
            )
        )
        raw = raw.value
    if layout.feeds_formulas(f) and isinstance(raw, str) and value is not None:
        notes.append(
            (
                Severity.ERROR,
                "input.text_amount",
                f"{label}：金额 {raw.strip()!r} 以文本形式保存，本工具按 {format_yuan(value)} 元读取，但表内公式不能用它计算"
                "（奖励测算等处显示“金额须为数字”）。请将单元格内容改为数字（如 1200000）",
            )
        )
    return notes


def _older_book(older: Sequence[layout.Field]) -> Finding:
    """A book from an earlier template release: the cells added since are read as empty (the rules then
    say what is missing), and one warning says why."""
    shown = "、".join(
        dict.fromkeys(f.label.split(" ", 1)[1] if f.label.startswith("产品") else f.label for f in older)
    )
    return Finding(
        severity=Severity.WARNING,
        code="input.older_template",
        field=older[0].path,
        message=f"本申报表由旧版模板填写，没有新版模板增加的 {len(older)} 个单元格（{shown}），按未填写处理；"
        "请用 xlmv template 生成的新模板补填",
        clause=INPUT_CLAUSE,
    )


def build_result(
    source: str, raw: Mapping[str, object], cells: Mapping[str, str], version: str, policy_label: str = ""
) -> ReadResult:
    """Convert raw values (by template field path) into a declaration, skipping empty slots and rows."""
    typed = _Typed.convert(raw)
    where: dict[str, str] = {}  # template path → declaration path
    data = _company_and_commitments(typed, where)
    products: list[dict[str, object]] = []
    slots: list[int] = []
    rows: list[tuple[int, ...]] = []
    for slot, group in sorted(_product_groups().items()):
        if not any(typed.filled(p) for p in group.all_inputs()):
            continue
        product, service_rows = _product(typed, group, f"products[{len(products)}]", where)
        products.append(product)
        slots.append(slot)
        rows.append(service_rows)
    data["products"] = products
    if "@" in policy_label:
        data["policy"] = policy_label.split("@", 1)[0]
    return ReadResult(
        source=source,
        declaration=Declaration.model_validate(data),
        findings=_input_findings(typed.problems, typed.notes, where),
        cells=dict(cells),
        template_version=version,
        policy_label=policy_label,
        product_slots=tuple(slots),
        service_rows=tuple(rows),
    )


@dataclass(frozen=True)
class _Typed:
    """Every template field's value converted to its type, or the problem with what was typed, and what
    the reader used although the workbook's own formulas cannot (``_cell_notes``)."""

    values: dict[str, object]
    problems: dict[str, InputError]
    notes: dict[str, list[tuple[Severity, str, str]]]

    @classmethod
    def convert(cls, raw: Mapping[str, object]) -> _Typed:
        values: dict[str, object] = {}
        problems: dict[str, InputError] = {}
        notes: dict[str, list[tuple[Severity, str, str]]] = {}
        for f in layout.fields():
            try:
                values[f.path] = convert(f, raw.get(f.path), label=display_label(f))
            except InputError as exc:
                problems[f.path] = exc
                values[f.path] = None
            else:
                notes[f.path] = _cell_notes(f, raw.get(f.path), values[f.path])
        return cls(values, problems, notes)

    def filled(self, path: str) -> bool:
        """Whether the user typed something there (a bad value counts; a default 0 does not)."""
        if path in self.problems:
            return True
        value = self.values[path]
        if value is None or value == "":
            return False
        leaf = path.rsplit(".", 1)[-1]
        return not (leaf in _ZERO_DEFAULT_FIELDS and value == 0)

    def take(self, paths: list[str], prefix: str, where: dict[str, str]) -> dict[str, object]:
        """The values of ``paths`` by attribute, each path recorded in ``where`` as ``prefix.attr``."""
        taken: dict[str, object] = {}
        for path in paths:
            attr = path.rsplit(".", 1)[-1]
            where[path] = f"{prefix}.{attr}"
            if self.values[path] is not None:
                taken[attr] = self.values[path]
        return taken


def _company_and_commitments(typed: _Typed, where: dict[str, str]) -> dict[str, object]:
    """The declaration's fields outside the product blocks, which keep their template paths."""
    data: dict[str, object] = {"company": {}, "commitments": {}}
    for f in layout.fields():
        if f.path.startswith("products["):
            continue
        where[f.path] = f.path
        if typed.values[f.path] is not None:
            _put(data, f.path, typed.values[f.path])
    return data


def _product(
    typed: _Typed, group: _ProductGroup, at: str, where: dict[str, str]
) -> tuple[dict[str, object], tuple[int, ...]]:
    """One used product slot as the declaration's product ``at``, and the template rows of its services
    (empty service rows and an empty procurement row are left out, the rest renumbered)."""
    product = typed.take(group.own + group.conditions, at, where)
    services, service_rows = [], []
    for row_no, row in enumerate(group.services):
        if any(typed.filled(p) for p in row):
            services.append(typed.take(row, f"{at}.services[{len(services)}]", where))
            service_rows.append(row_no)
    product["services"] = services
    if any(typed.filled(p) for p in group.procurement):
        product["procurement"] = typed.take(group.procurement, f"{at}.procurement", where)
    checklist = []
    for path in group.checklist:
        where[path] = f"{at}.{path.split('.', 1)[1]}"
        checklist.append(typed.values[path] or "")
    product["checklist"] = checklist
    return product, tuple(service_rows)


def _input_findings(
    problems: Mapping[str, InputError],
    notes: Mapping[str, list[tuple[Severity, str, str]]],
    where: Mapping[str, str],
) -> list[Finding]:
    """One error per value that could not be converted, at its place in the declaration, then the notes on
    values read although the workbook's formulas cannot use them; a bad value in an unused product slot (a
    material status) goes with the slot."""
    return [
        Finding(
            severity=Severity.ERROR,
            code="input.invalid",
            field=where[path],
            message=exc.message(),
            clause=INPUT_CLAUSE,
        )
        for path, exc in problems.items()
        if path in where  # a bad material status of an unused product slot is ignored with the slot
    ] + [
        Finding(severity=severity, code=code, field=where[path], message=message, clause=INPUT_CLAUSE)
        for path, found in notes.items()
        if path in where
        for severity, code, message in found
    ]


@dataclass
class _ProductGroup:
    own: list[str] = field(default_factory=list)
    services: list[list[str]] = field(default_factory=list)
    procurement: list[str] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # yes/no answers beside the material list

    def all_inputs(self) -> list[str]:
        """The paths that make the slot used when any is filled (material statuses do not)."""
        return self.own + self.procurement + [p for row in self.services for p in row]


_CONDITION_ATTRS = frozenset(attr for attr, _, _ in layout.CONDITIONS)


@functools.cache
def _product_groups() -> dict[int, _ProductGroup]:
    groups: dict[int, _ProductGroup] = {}
    for f in layout.fields():
        match = _PRODUCT_RE.fullmatch(f.path)
        if match is None:
            continue
        group = groups.setdefault(int(match["slot"]), _ProductGroup())
        rest = match["rest"]
        if (service := _SERVICE_RE.fullmatch(rest)) is not None:
            row = int(service["row"])
            while len(group.services) <= row:
                group.services.append([])
            group.services[row].append(f.path)
        elif rest.startswith("procurement."):
            group.procurement.append(f.path)
        elif _CHECK_RE.fullmatch(rest):
            group.checklist.append(f.path)
        elif rest in _CONDITION_ATTRS:
            group.conditions.append(f.path)
        else:
            group.own.append(f.path)
    return groups


def _put(data: dict[str, object], path: str, value: object) -> None:
    """Set ``company.name`` style paths (no list indexes) in nested dicts."""
    *parents, leaf = path.split(".")
    target = data
    for part in parents:
        target = target.setdefault(part, {})  # type: ignore[assignment]
    target[leaf] = value
