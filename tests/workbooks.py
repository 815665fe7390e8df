"""Test helper: declaration workbooks on disk, built from ``layout`` until the real template builder lands.

``new_template()`` is the one function to switch to the lead's builder (``xlmv_workbook.template.build``) later;
everything else fills whatever it returns through the defined names, exactly as a user would.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from stdnum.cn import uscc

from xlmv.declaration import (
    ApiService,
    Commitments,
    Company,
    Declaration,
    PrivateProcurement,
    Product,
)
from xlmv.policy import load_policy
from xlmv_workbook.template import layout
from xlmv_workbook.template.build import template_bytes

INPUT_FILL = "FFFFF2CC"  # the builder's input-cell fill
USCC = "91110108MA01ABCDX" + uscc.calc_check_digit("91110108MA01ABCDX")  # 海淀区, valid check character
CAC = "Beijing-WenXinYiYan-20230821"
D = Decimal


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def valid_declaration() -> Declaration:
    """A complete, rule-clean declaration: one API product (two services) and one private deployment."""
    provided = ["已提供"] * layout.CHECKLIST_ITEMS
    return Declaration(
        application_date=datetime.date(2025, 3, 31),
        company=Company(
            name="北京智算示例科技有限公司",
            uscc=USCC,
            registered_address="北京市海淀区中关村大街1号",
            unit_type="软件信息服务业企业",
            contact_address="北京市海淀区中关村大街1号",
            email="shenbao@example.com",
            contact_person="张三",
            mobile="13800138000",
            revenue_last_year=D("30000000"),
            employees=120,
            product_revenue_h1_2024=D("5000000"),
            industry_code="6513",
            introduction="专注金融行业大模型应用。",
            ranking="金融科技细分领域前二十（示例）",
        ),
        products=[
            Product(
                name="智能投顾助手",
                kind="API调用",
                product_type="API调用",
                launch_date=datetime.date(2024, 10, 1),
                scenario="金融",
                scenario_note="面向银行理财客户的智能问答。",
                description="基于第三方大模型 API 的投顾问答产品。",
                outcomes="服务客户 10 万人次。",
                long_contract=False,
                framework_contract=False,
                services=[
                    ApiService(
                        provider="北京百度网讯科技有限公司",
                        model_name="文心一言",
                        cac_filing=CAC,
                        usage_start=datetime.date(2024, 9, 1),
                        usage_end=datetime.date(2025, 3, 1),
                        settled_amount=D("3000000"),
                        paid_amount=D("3000000"),
                        claimed_amount=D("3000000"),
                    ),
                    ApiService(
                        provider="北京百度网讯科技有限公司",
                        model_name="文心一言Turbo",
                        cac_filing=CAC,
                        usage_start=datetime.date(2024, 10, 1),
                        usage_end=datetime.date(2025, 2, 28),
                        settled_amount=D("500000"),
                        paid_amount=D("500000"),
                        claimed_amount=D("500000"),
                    ),
                ],
                checklist=provided,
            ),
            Product(
                name="政务知识库",
                kind="私有化部署",
                product_type="私有化部署",
                launch_date=datetime.date(2024, 12, 1),
                scenario="政务",
                scenario_note="区级政务服务知识问答。",
                description="私有化部署的大模型知识库。",
                outcomes="覆盖 30 个办事事项。",
                long_contract=False,
                procurement=PrivateProcurement(
                    provider="北京百度网讯科技有限公司",
                    model_name="文心一言",
                    cac_filing=CAC,
                    contract_date=datetime.date(2024, 10, 1),
                    contract_amount=D("4000000"),
                    procurement_amount=D("3000000"),
                    compute_fees=D("500000"),
                    data_fees=D("100000"),
                    paid_amount=D("3000000"),
                ),
                checklist=provided,
            ),
        ],
        commitments=Commitments(
            truthful=True,
            no_other_funding=True,
            non_affiliation=True,
            scenario_compliance=True,
            ai_direction=True,
        ),
    )


# 300万 API: 100万 × 50% + 200万 × 25% = 100万; 50万 API: 25万; 300万 private: 200万 × 20% + 100万 × 10% = 50万.
VALID_REWARDS = (D("1250000"), D("500000"))
VALID_TOTAL = D("1750000")


def _get(decl: Declaration, path: str) -> object:
    target: object = decl
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            items = target  # type: ignore[assignment]
            index = int(part[1:-1])
            if not isinstance(items, list) or index >= len(items):
                return None
            target = items[index]
        else:
            if target is None:
                return None
            target = getattr(target, part)
    return target


def cell_value(value: object) -> object:
    """A declaration value as a user would type it into the cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return layout.YES_NO[0] if value else layout.YES_NO[1]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value


def declaration_values(decl: Declaration) -> dict[str, object]:
    """Template field path → cell value for ``decl`` (products in slots 0, 1, …; services in rows 0, 1, …)."""
    out: dict[str, object] = {}
    for f in layout.fields():
        value = cell_value(_get(decl, f.path))
        if value is not None:
            out[f.path] = value
    return out


def valid_values() -> dict[str, object]:
    return declaration_values(valid_declaration())


@cache
def _template_bytes() -> bytes:
    return template_bytes(load_policy())


def new_template() -> Workbook:
    """A blank template, exactly as ``xlmv template`` writes it (the lead's builder), opened with openpyxl."""
    return load_workbook(io.BytesIO(_template_bytes()))


def layout_template() -> Workbook:
    """A minimal template made from ``layout`` alone: every sheet, every field's defined name and the
    template id in 填表说明 A1/A2. Independent of the builder's styling and formulas."""
    wb = Workbook()
    wb.active.title = layout.SHEETS[0]
    for name in layout.SHEETS[1:]:
        wb.create_sheet(name)
    guide = wb[layout.GUIDE]
    guide["A1"] = layout.TEMPLATE_ID
    guide["A2"] = layout.TEMPLATE_VERSION
    define(wb, layout.TEMPLATE_ID_NAME, layout.GUIDE, "A1")
    define(wb, layout.TEMPLATE_VERSION_NAME, layout.GUIDE, "A2")
    fill = PatternFill(fill_type="solid", fgColor=INPUT_FILL)
    for f in layout.fields():
        define(wb, f.name, f.sheet, f.cell)
        wb[f.sheet][f.cell].fill = fill
    return wb


def define(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    column = "".join(ch for ch in cell if ch.isalpha())
    row = cell[len(column) :]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet)}!${column}${row}")


class Formula(str):
    """A value to write as a formula (``Formula("=1000*10")``); other text starting with ``=`` stays text."""


def fill(wb: Workbook, values: Mapping[str, object]) -> None:
    """Write values (template field path → cell value) at the cells the defined names point at.

    Text is written as text, as a user's typing ends up; ``#N/A``-style text becomes an error cell.
    """
    by_path = layout.by_path()
    for path, value in values.items():
        dest = wb.defined_names[by_path[path].name].destinations
        sheet, ref = next(iter(dest))
        cell = wb[sheet][ref.replace("$", "")]
        cell.value = value
        if isinstance(value, str) and value.startswith("=") and not isinstance(value, Formula):
            cell.data_type = "s"


def write_workbook(
    path: Path, values: Mapping[str, object] | None = None, *, template: Workbook | None = None
) -> Path:
    """A filled template file (default: the valid declaration in the real template)."""
    wb = new_template() if template is None else template
    fill(wb, valid_values() if values is None else values)
    wb.save(path)
    return path


def not_ours(path: Path) -> Path:
    wb = Workbook()
    wb.active["A1"] = "随便一个表"
    wb.save(path)
    return path


def zip_with(path: Path, parts: Mapping[str, bytes | str]) -> Path:
    """A ZIP file with the given parts (for hostile files)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def copy_of(path: Path, target: Path) -> Path:
    target.write_bytes(path.read_bytes())
    return target


def reopen(path: Path) -> Workbook:
    return load_workbook(path)
