"""Building the declaration template (``xlmv template -o PATH``): sheets, defined names, data validation,
protection, print setup, saved atomically."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xlmv.policy import DEFAULT_POLICY, Policy, PolicyError, load_policy
from xlmv_workbook.template import inputs
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.sheet_calc import build_calc
from xlmv_workbook.template.sheet_checklist import build_checklist
from xlmv_workbook.template.sheet_form import build_form
from xlmv_workbook.template.sheet_info import build_config, build_guide, build_params, build_results
from xlmv_workbook.template.sheet_letter import build_letter
from xlmv_workbook.xlsx import styles as S
from xlmv_workbook.xlsx.atomic import write_atomically
from xlmv_workbook.xlsx.dynamic import mark_dynamic_arrays
from xlmv_workbook.xlsx.macros import macro_enabled, set_code_names


def unsupported(policy: Policy) -> list[str]:
    """What ``policy`` lacks for this template (laid out like 附件3-3/3-4 with material lists), in Chinese;
    empty when a template can be built."""
    lacks = []
    if not policy.checklists or policy.checklist_statuses is None:
        lacks.append("材料清单（checklists、checklist_statuses）")
    if policy.letter is None:
        lacks.append("承诺书文本（letter）")
    return lacks


def build_workbook(policy: Policy) -> Workbook:
    lacks = unsupported(policy)
    if lacks:
        raise PolicyError(f"政策 {policy.label} 缺少申报表模板所需的{'、'.join(lacks)}，无法生成模板")
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {name: wb.create_sheet(name) for name in L.SHEETS}
    names: dict[str, str] = {}  # defined name → "'sheet'!$A$1" reference

    def define(sheet: str, mapping: dict[str, str]) -> None:
        for name, ref in mapping.items():
            names[name] = f"{_quote(sheet)}!{_absolute(ref)}"

    define(L.GUIDE, build_guide(sheets[L.GUIDE], policy))
    build_form(sheets[L.FORM], policy)
    define(L.CHECKLIST, build_checklist(sheets[L.CHECKLIST], policy))
    define(L.CALC, build_calc(sheets[L.CALC], policy))
    build_letter(sheets[L.LETTER], policy)
    define(L.PARAMS, build_params(sheets[L.PARAMS], policy))
    build_results(sheets[L.RESULTS])
    build_config(sheets[L.CONFIG])

    chars = policy.limits.description_chars
    limit = chars.value if chars else (L.DESCRIPTION_LIMIT or 0)  # 0: no field has a max_length then
    for field in L.fields():
        names[field.name] = f"{_quote(field.sheet)}!{_absolute(field.cell)}"
        validation = inputs.validation_for(field, limit)
        if validation is not None:
            _add_validation(sheets[field.sheet], validation, field.cell)
    for index in range(L.PRODUCTS):
        at = f"products[{index}]."
        first = L.by_path()[f"{at}services[0].claimed_amount"].cell
        last = L.by_path()[f"{at}services[{L.SERVICES - 1}].claimed_amount"].cell
        names[f"MV_P{index + 1}_CLAIMED"] = f"{_quote(L.FORM)}!{_absolute(first)}:{_absolute(last)}"
        check_first = L.by_path()[f"{at}checklist[0]"].cell
        check_last = L.by_path()[f"{at}checklist[{L.CHECKLIST_ITEMS - 1}]"].cell
        names[f"MV_P{index + 1}_CHECKS"] = (
            f"{_quote(L.CHECKLIST)}!{_absolute(check_first)}:{_absolute(check_last)}"
        )
    for index in range(L.PRODUCTS):
        summary_row = L.checklist_first_row(index) + L.CHECKLIST_ITEMS
        names[L.product_output_names(index)["checklist"]] = f"{_quote(L.CHECKLIST)}!$C${summary_row}"
    for name, ref in sorted(names.items()):
        wb.defined_names[name] = DefinedName(name, attr_text=ref)

    for name in (L.GUIDE, L.FORM, L.CHECKLIST, L.CALC, L.LETTER, L.PARAMS):
        S.protect(sheets[name], allow_format_cells=name in (L.FORM, L.CHECKLIST, L.LETTER))
    wb.active = 1  # open on 申报表
    return wb


def _add_validation(ws: Worksheet, validation: DataValidation, cell: str) -> None:
    # One DataValidation object per distinct rule keeps the file small: reuse an identical one.
    for existing in ws.data_validations.dataValidation:
        if _same_rule(existing, validation):
            existing.add(cell)
            return
    validation.add(cell)
    ws.add_data_validation(validation)


def _same_rule(a: DataValidation, b: DataValidation) -> bool:
    keys = ("type", "operator", "formula1", "formula2", "prompt", "promptTitle", "error")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    return re.sub(r"\$?([A-Z]+)\$?(\d+)", r"$\1$\2", ref)


# --- saving ------------------------------------------------------------------------------------------


def template_bytes(policy: Policy, *, macros: bool = False) -> bytes:
    """The template as .xlsx, or with ``macros`` as .xlsm carrying xlwings' standalone VBA and the xlmv
    wrappers (``xlsx.macros``)."""
    wb = build_workbook(policy)
    if macros:
        set_code_names(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = mark_dynamic_arrays(buffer.getvalue())  # also what save_atomically does
    return macro_enabled(data) if macros else data


def write_template(path: Path, policy: Policy | str = DEFAULT_POLICY) -> Path:
    """Build the template for ``policy`` (a Policy, or a bundled id) and write it atomically: ``.xlsx``
    without macros, ``.xlsm`` with xlwings' standalone VBA and the xlmv functions."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise ValueError(f"模板文件名应以 .xlsx（不含宏）或 .xlsm（含插件宏）结尾：{path}")
    chosen = load_policy(policy) if isinstance(policy, str) else policy
    write_atomically(path, template_bytes(chosen, macros=suffix == ".xlsm"))
    return path
