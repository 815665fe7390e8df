"""Building the declaration template (``xlmv template -o PATH``): sheets, defined names, data validation,
protection, print setup, saved atomically."""

from __future__ import annotations

import io
import re
import zipfile
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

    limit = policy.limits.description_chars.value if policy.limits.description_chars else L.DESCRIPTION_LIMIT
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

_DA_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    '</ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    "</metadata>"
)


def mark_dynamic_arrays(data: bytes) -> bytes:
    """Flag the MV_BREAKDOWN array formulas as dynamic arrays (Excel 365 spills them).

    openpyxl writes them as one-cell array formulas; Excel needs ``cm="1"`` on the cell and a metadata part
    declaring XLDAPR. Older Excel, WPS and LibreOffice ignore the flag and show the formula's first value.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and b"MV_BREAKDOWN" in body:
                body = re.sub(
                    rb'<c r="([A-Z]+\d+)"([^>]*)><f t="array" ref="\1">(?=[^<]*MV_BREAKDOWN)',
                    rb'<c r="\1"\2 cm="1"><f t="array" ref="\1">',
                    body,
                )
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdMeta1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/></Relationships>',
                )
            target.writestr(item, body)
        target.writestr("xl/metadata.xml", _DA_METADATA)
    return out.getvalue()


def template_bytes(policy: Policy) -> bytes:
    buffer = io.BytesIO()
    build_workbook(policy).save(buffer)
    return mark_dynamic_arrays(buffer.getvalue())


def write_template(path: Path, policy: Policy | str = DEFAULT_POLICY) -> Path:
    """Build the template for ``policy`` (a Policy, or a bundled id) and write it atomically."""
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"模板文件名应以 .xlsx 结尾：{path}")
    chosen = load_policy(policy) if isinstance(policy, str) else policy
    write_atomically(path, template_bytes(chosen))
    return path
