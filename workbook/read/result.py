"""The declaration built from a template's raw cell values (``read_values``), with each value's cell."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from xlmv.declaration import Declaration
from xlmv.errors import InputError
from xlmv.findings import Finding, Severity
from xlmv.money import format_yuan
from xlmv_workbook.read.convert import PRODUCT_PATH, convert, display_label, normalise, number_text
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.safety import WorkbookError
from xlmv_workbook.xlsx.sheetscan import CachedFormula

__all__ = ["INPUT_CLAUSE", "ReadResult", "build_result", "not_our_template", "read_values"]

INPUT_CLAUSE = "附件3-3"

_ZERO_DEFAULT_FIELDS = frozenset({"prior_award", "compute_fees", "data_fees", "prior_year_award"})
"""Amounts whose empty value is 0 in the Declaration: a 0 there does not make a product slot filled."""
_SERVICE_RE = re.compile(r"services\[(?P<row>[0-9]+)\]\.(?P<attr>.+)")
_CHECK_RE = re.compile(r"checklist\[(?P<item>[0-9]+)\]")


def not_our_template(source: str | os.PathLike[str]) -> WorkbookError:
    """The error for a book without our template's id name."""
    return WorkbookError(
        source,
        f"不是模型券申报表模板（缺少定义名称 {layout.TEMPLATE_ID_NAME}），"
        "请在 xlmv 生成的申报表模板（.xlsx/.xlsm）中填写后再检查",
    )


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
    value = normalise(value)
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
        raise not_our_template(source) from None
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
    value = normalise(value)
    if isinstance(value, float):
        return number_text(value)
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
        match = PRODUCT_PATH.fullmatch(f.path)
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
