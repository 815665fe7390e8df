"""``xlmv export``: the submission workbook is values only, reads like 附件3-3 / 附件3-4, carries the engine's
numbers (and LibreOffice reads the same ones), names every value cell, and never touches its input."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from commands import xlmv
from filling import EXAMPLES, expected_cells, fill_template, same
from workbooks import (
    VALID_REWARDS,
    VALID_TOTAL,
    declaration_values,
    not_ours,
    sha256,
    valid_declaration,
    write_workbook,
)

from xlmv.assess import assess
from xlmv.checklist import summarize
from xlmv.declaration import Declaration
from xlmv.money import ZERO, to_fen, to_wan
from xlmv.policy import load_policy
from xlmv_workbook.export import submission as X
from xlmv_workbook.export.canonical import verification_code
from xlmv_workbook.export.submission import DeclarationHasErrors, export, read_embedded
from xlmv_workbook.export.verify import verify_file
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import styles as S

TIMEOUT = 300
D = Decimal


def named(wb: openpyxl.Workbook, name: str) -> object:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")].value


def ref_of(wb: openpyxl.Workbook, name: str) -> str:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return f"{sheet}!{ref.replace('$', '')}"


@dataclass(frozen=True)
class Exported:
    source: Path
    path: Path
    code: str
    wb: openpyxl.Workbook
    decl: Declaration


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    folder = tmp_path_factory.mktemp("export")
    source = write_workbook(folder / "填好的申报表.xlsx")
    before = sha256(source)
    result = export(source, folder / "out")
    assert sha256(source) == before  # the input is only read
    return Exported(
        source, result.workbook, result.code, openpyxl.load_workbook(result.workbook), valid_declaration()
    )


def with_amounts(*amounts: str) -> Declaration:
    """The valid declaration with its API product's services set to ``amounts`` (settled = paid = claimed)."""
    decl = valid_declaration()
    services = decl.products[0].services
    decl.products[0].services = [
        services[0].model_copy(update={"settled_amount": D(a), "paid_amount": D(a), "claimed_amount": D(a)})
        for a in amounts
    ]
    return decl


# ------------------------------------------------------------------------------------------ structure


def test_sheets_are_the_submission_and_nothing_else(exported: Exported) -> None:
    wb = exported.wb
    assert wb.sheetnames == [X.FORM, X.LETTER, X.CHECKLIST, X.CALC, X.DATA]
    assert [wb[s].sheet_state for s in wb.sheetnames] == ["visible"] * 4 + ["veryHidden"]
    for helper in ("xlwings.conf", "政策参数", "校验结果", "填表说明"):
        assert helper not in wb.sheetnames


def test_no_formulas_anywhere(tmp_path: Path) -> None:
    values = declaration_values(valid_declaration())
    values["company.introduction"] = "=1+1"  # typed text that looks like a formula stays text
    values["products[0].name"] = '=HYPERLINK("http://example.com")'
    source = write_workbook(tmp_path / "in.xlsx", values)
    path = export(source, tmp_path / "out").workbook
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} = {cell.value!r}"
    assert named(wb, "_MV_INTRO") == "=1+1"
    with zipfile.ZipFile(path) as zf:
        for part in zf.namelist():
            if part.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", zf.read(part)), part


def column_texts(ws, column: str) -> list[str]:
    return [c.value for c in ws[column] if isinstance(c.value, str)]


def test_form_reads_like_the_official_form(exported: Exported) -> None:
    ws = exported.wb[X.FORM]
    assert ws["A1"].value == "附件3-3"
    assert ws["A2"].value == "模型券奖励申报表"
    labels = column_texts(ws, "A")
    official = [
        "第一部分 申请基本情况——申请企业情况（加盖公章）",
        "企业名称",
        "注册地址",
        "联系地址",
        "申报联系人",
        "企业上一年营收",
        "大模型应用产品\n2024年上半年收入",
        "企业基本情况介绍",
        "企业所处行业排名",
    ]
    assert labels[2 : 2 + len(official)] == official
    product = [
        "第二部分 大模型应用产品基本情况（产品1/2）",
        "产品名称",
        "产品类型",
        "产品上线时间",
        "应用场景说明",
        "产品申报费用\n（万元）",
        "产品说明",
        "产品成效说明",
    ]
    at = labels.index(product[0])
    assert labels[at : at + len(product)] == product
    second = labels.index("第二部分 大模型应用产品基本情况（产品2/2）")
    assert labels[second + 1 : second + len(product)] == product[1:]
    supplement = labels.index("补充说明")
    assert supplement > second
    summary = next(n for n, t in enumerate(labels) if t.startswith("奖励测算"))
    assert summary > supplement and "不属于附件3-3 原表内容" in labels[summary]
    right = column_texts(ws, "D")
    assert right[1:7] == [
        "统一社会信用代码",
        "单位性质",
        "联系邮箱",
        "联系人手机",
        "员工数量",
        "国民经济行业分类代码",
    ]
    assert named(exported.wb, "_MV_COMPANY_NAME") == "北京星河智算科技有限公司（示例）"
    assert ref_of(exported.wb, "_MV_COMPANY_NAME").startswith(X.FORM + "!")
    product = exported.decl.products[0]
    assert named(exported.wb, "_MV_P1_SCENARIO") == product.scenario
    assert named(exported.wb, "_MV_P1_SCENARIO_NOTE") == product.scenario_note


def test_fees_in_wan_itemised_with_compute_fees_on_their_own_line(exported: Exported) -> None:
    wb = exported.wb
    expected = {
        # 01-星河智算: API services of 620万 and 85万; procurement 250万 with 算力 60万 and 数据 20万
        "MV_P1_S1_CLAIMED_WAN": D("620.00"),
        "MV_P1_S2_CLAIMED_WAN": D("85.00"),
        "MV_P1_FEE_API": D("705.00"),  # 620 + 85
        "MV_P1_FEE_PROCUREMENT": ZERO,
        "MV_P1_FEE_COMPUTE": ZERO,
        "MV_P1_FEE_DATA": ZERO,
        "MV_P1_FEE_TOTAL": D("705.00"),
        "MV_P2_FEE_API": ZERO,
        "MV_P2_FEE_PROCUREMENT": D("250.00"),
        "MV_P2_FEE_COMPUTE": D("60.00"),
        "MV_P2_FEE_DATA": D("20.00"),
        "MV_P2_FEE_TOTAL": D("330.00"),  # 250 + 60 + 20
    }
    assert {k: named(wb, k) for k in expected} == {k: float(v) for k, v in expected.items()}
    ws = wb[X.FORM]
    row = int(ref_of(wb, "MV_P1_S1_CLAIMED_WAN").rsplit("F", 1)[1])
    items = [ws[f"B{r}"].value for r in range(row, row + 7)]
    assert items == [
        "API调用费用",
        "API调用费用",
        "API调用费用小计",
        "大模型采购费用",
        "算力费用",
        "数据费用",
        "合计",
    ]
    assert named(wb, "_MV_P1_S1_PROVIDER") == "北京百度网讯科技有限公司"
    assert named(wb, "_MV_P1_S2_MODEL") == "DeepSeek Chat"
    assert ws[ref_of(wb, "MV_P1_FEE_TOTAL").split("!")[1]].number_format == S.WAN_FORMAT


def test_wan_totals_are_converted_once_from_the_yuan_sum(tmp_path: Path) -> None:
    decl = with_amounts("123456.78", "123456.78")  # 12.345678 万 each: 12.35 + 12.35 ≠ 24.69
    source = write_workbook(tmp_path / "in.xlsx", declaration_values(decl))
    wb = openpyxl.load_workbook(export(source, tmp_path / "out").workbook)
    # the subtotal is converted once (24.6913556 万 → 24.69); the service lines are its shares by largest
    # remainder (12.34 each, the one fen left to the first), so the printed lines add up to it
    assert named(wb, "MV_P1_FEE_API") == float(to_wan(D("246913.56"))) == 24.69
    assert (named(wb, "MV_P1_S1_CLAIMED_WAN"), named(wb, "MV_P1_S2_CLAIMED_WAN")) == (12.35, 12.34)
    assert named(wb, "MV_P1_FEE_TOTAL") == 24.69


def test_printed_wan_lines_add_up_to_the_printed_total(tmp_path: Path) -> None:
    """Each line half a 万-fen over: 3 × 10.005 万 and 200.005 + 60.005 + 20.005 万. Before, the form printed
    10.01 × 3 with a subtotal of 30.02, and 合计 280.02 under lines adding to 280.03."""
    decl = with_amounts("100050", "100050", "100050")
    source = write_workbook(tmp_path / "in.xlsx", declaration_values(decl))
    wb = openpyxl.load_workbook(export(source, tmp_path / "out").workbook)
    services = [named(wb, f"MV_P1_S{s}_CLAIMED_WAN") for s in (1, 2, 3)]
    assert services == [10.01, 10.01, 10.0] and named(wb, "MV_P1_FEE_API") == 30.02  # 30.015 → 30.02
    lines = [named(wb, f"MV_P1_FEE_{k}") for k in ("API", "PROCUREMENT", "COMPUTE", "DATA")]
    assert named(wb, "MV_P1_FEE_TOTAL") == round(sum(lines), 2)


# ------------------------------------------------------------------------------------------- numbers


def test_numbers_equal_the_engine(exported: Exported) -> None:
    wb = exported.wb
    assessment = assess(exported.decl)
    tiers = (3, 2)  # API 620万 reaches 第三档 (over 500万); private 250万 第二档 (over 200万)
    for n, (want, tier, pa) in enumerate(
        zip(VALID_REWARDS, tiers, assessment.products, strict=True), start=1
    ):
        assert pa.result is not None and to_fen(pa.result.reward) == want
        assert named(wb, f"MV_P{n}_REWARD") == named(wb, f"MV_F_P{n}_REWARD") == float(want)
        assert named(wb, f"MV_P{n}_GRANTED") == named(wb, f"MV_F_P{n}_GRANTED") == float(to_fen(pa.granted))
        assert pa.result.tier == tier
        label = {2: "第二档", 3: "第三档"}[tier]  # the policy's labels, as check and the template show them
        assert named(wb, f"MV_P{n}_TIER") == named(wb, f"MV_F_P{n}_TIER") == label
    assert named(wb, "MV_TOTAL_REWARD") == named(wb, "MV_F_TOTAL") == float(VALID_TOTAL)
    assert named(wb, "_MV_P1_S1_CLAIMED") == 6200000  # yuan line items on 奖励测算
    assert ref_of(wb, "_MV_P1_S1_CLAIMED").startswith(X.CALC + "!")
    # 620万 in 第二档: the part over 100万 up to 500万 = 400万, at 25%
    assert named(wb, "MV_C_P1_I1_T2_BASE") == 4000000 and named(wb, "MV_C_P1_I1_T2_RATE") == 0.25


# expected_cells' 申报表 fee columns (template 万元 row) → the export's names
FEE_NAMES = {"B": "FEE_API", "C": "FEE_PROCUREMENT", "D": "FEE_COMPUTE", "E": "FEE_DATA"}


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_equal_the_engine(example: str, template_path: Path, tmp_path: Path) -> None:
    """Tier boundaries, the API floor, several services, the project cap and the enterprise-year cap."""
    decl = EXAMPLES[example]()
    source = fill_template(template_path, decl, tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(export(source, tmp_path / "out", force=True).workbook)
    fee_rows = {L.product_block(i).fees_row: i + 1 for i in range(L.PRODUCTS)}
    wanted: dict[str, object] = {}
    for key, value in expected_cells(decl).items():
        fee = re.fullmatch(r".+!([A-F])([0-9]+)", key)
        if fee is not None:
            if fee[1] in FEE_NAMES:  # the template's 万元 row; its total (F) is checked below
                wanted[f"MV_P{fee_rows[int(fee[2])]}_{FEE_NAMES[fee[1]]}"] = value
        elif (tier := re.fullmatch(r"MV_P([0-9])_TIER", key)) is not None:  # the export prints the label
            if int(tier[1]) > len(decl.products):
                continue
            kind = load_policy().kind(decl.products[int(tier[1]) - 1].kind)
            wanted[key] = kind.bands[int(value) - 1].label if value else "不达标"  # type: ignore[arg-type]
        elif not key.endswith("NEXT_TIER"):  # 距下一档 is a template aid, not part of the submission
            wanted[key] = value
    wanted = {  # an empty template slot is not exported
        k: v
        for k, v in wanted.items()
        if not (m := re.match(r"MV_P([0-9])_", k)) or int(m[1]) <= len(decl.products)
    }
    got = {k: named(wb, k) for k in wanted}
    assert not [f"{k}: {got[k]!r} ≠ {v!r}" for k, v in wanted.items() if not same(got[k], v)]
    policy = load_policy()
    for n, product in enumerate(decl.products, start=1):
        kind = policy.kind(product.kind)
        fees = X.fees_of(policy, product)
        assert same(named(wb, f"MV_P{n}_FEE_API"), to_wan(fees.api))
        assert same(named(wb, f"MV_P{n}_FEE_TOTAL"), to_wan(fees.total))
        if kind.basis == "per_project":
            assert same(named(wb, f"MV_P{n}_FEE_COMPUTE"), to_wan(product.procurement.compute_fees))


def test_checklist_sheet_lists_statuses_and_what_is_missing(template_path: Path, tmp_path: Path) -> None:
    decl = EXAMPLES["several_products_and_services"]()
    source = fill_template(template_path, decl, tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(export(source, tmp_path / "out", force=True).workbook)
    policy = load_policy()
    for n, product in enumerate(decl.products, start=1):
        text = summarize(policy, policy.kind(product.kind), product.checklist).text()
        assert named(wb, f"MV_P{n}_CHECKLIST") == text
        for i, status in enumerate(product.checklist, start=1):
            assert named(wb, f"MV_P{n}_CHECK_{i}") == status
    assert named(wb, "MV_P1_CHECKLIST").startswith("齐全")
    assert named(wb, "MV_P2_CHECKLIST").startswith("缺 ")
    assert named(wb, "MV_K_P2_LIST").startswith("附件3-2")
    assert (
        named(wb, "MV_K_SUMMARY")
        == f"产品1 {named(wb, 'MV_P1_CHECKLIST')}；产品2 {named(wb, 'MV_P2_CHECKLIST')}"
    )


# --------------------------------------------------------------------------------------------- letter


def test_letter_has_the_full_name_and_blank_lines_for_ink(exported: Exported) -> None:
    letter = load_policy().letter
    assert letter is not None
    ws = exported.wb[X.LETTER]
    texts = [c.value.replace("\n", "") for c in ws["A"] if c.value]  # long lines are broken for print
    assert texts[:4] == [letter.annex, letter.title, letter.subtitle, letter.addressee]
    opening = letter.opening.format(company="北京星河智算科技有限公司（示例）")
    assert named(exported.wb, "MV_L_OPENING").replace("\n", "") == "　　" + opening
    assert texts[5:-1] == ["　　" + item for item in letter.items]  # numbered as printed: 6. then 8.
    assert texts[-1] == letter.signature  # nothing typed after 签字： / 签章：
    dates = [c.value for c in ws["D"] if c.value]
    assert dates == [letter.date_line]  # 年 月 日 left blank for ink
    every = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "是否承诺" not in every  # the template's confirmation boxes are not part of the letter
    assert "2025-03-31" not in every and "3-31" not in every  # the date stays blank


# ------------------------------------------------------------------------------------------ printing


def test_print_setup(exported: Exported) -> None:
    for name in (X.FORM, X.LETTER, X.CHECKLIST, X.CALC):
        ws = exported.wb[name]
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, name
        assert ws.page_setup.orientation == "portrait", name
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_area, name
        assert ws.print_title_rows, name
    assert exported.wb[X.FORM].print_title_rows == "$1:$2"
    assert exported.code in exported.wb[X.FORM].oddFooter.center.text


# ------------------------------------------------------------------------------------ names and digest


def test_every_value_cell_is_named_and_embedded(exported: Exported) -> None:
    wb = exported.wb
    text = read_embedded(wb)
    assert text is not None
    document = json.loads(text)
    names = set(wb.defined_names.keys())
    assert names == set(document["cells"]) | {X.CODE_NAME}
    for name, entry in document["cells"].items():
        assert ref_of(wb, name) == entry["ref"], name
    for template_name in (
        "_MV_COMPANY_NAME",
        "_MV_USCC",
        "_MV_P1_NAME",
        "_MV_P1_S1_CLAIMED",
        "_MV_P2_PROCUREMENT",
    ):
        assert template_name in names
    assert named(wb, X.CODE_NAME) == exported.code == verification_code(text)
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", exported.code)
    assert document["policy"] == {"id": "beijing-2024", "version": "2024.1"}
    assert document["results"]["total"] == "2495000.00"  # 204.5万 + 45万
    assert document["declaration"]["products"][0]["services"][0]["claimed_amount"] == "6200000.00"
    # every value cell on the visible sheets is in the list (labels and policy texts are not values)
    listed = {entry["ref"] for entry in document["cells"].values()} | {ref_of(wb, X.CODE_NAME)}
    for name in ("MV_P1_REWARD", "MV_TOTAL_REWARD", "MV_P1_FEE_TOTAL", "MV_L_OPENING", "MV_P1_CHECKLIST"):
        assert ref_of(wb, name) in listed


def test_same_input_same_code_and_nothing_overwritten(exported: Exported) -> None:
    out = exported.path.parent
    before = sha256(exported.path)
    again = export(exported.source, out)
    assert again.code == exported.code
    assert again.workbook.name == exported.path.stem + " (2).xlsx"
    assert sha256(exported.path) == before
    assert exported.path.name == "北京星河智算科技有限公司（示例）-星河智能投研助手-模型券申报.xlsx"


# -------------------------------------------------------------------------------- errors and the CLI


@pytest.fixture(scope="module")
def with_error(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid declaration with its second API service below the 10万 floor (附件3 一.7)."""
    folder = tmp_path_factory.mktemp("errors")
    return write_workbook(folder / "有错误.xlsx", declaration_values(with_amounts("3000000", "99999.99")))


def test_errors_refuse_the_export_and_list_them(with_error: Path, tmp_path: Path) -> None:
    with pytest.raises(DeclarationHasErrors) as caught:
        export(with_error, tmp_path / "api")
    assert [i.clause for i in caught.value.issues] == ["附件3 一.7"]
    before = sha256(with_error)
    run = xlmv("export", str(with_error), "-o", str(tmp_path / "out"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "位置" in run.stderr and "问题" in run.stderr and "条款" in run.stderr
    cell = caught.value.issues[0].cell
    assert re.fullmatch(r"申报表![A-I][0-9]+", cell)
    assert cell in run.stderr and "附件3 一.7" in run.stderr and "低于" in run.stderr
    assert "--force" in run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert sha256(with_error) == before


def test_force_exports_and_records_the_errors(with_error: Path, tmp_path: Path) -> None:
    run = xlmv("export", str(with_error), "-o", str(tmp_path / "out"), "--force")
    assert run.returncode == 0, run.stderr
    assert "强制导出" in run.stderr
    (path,) = (tmp_path / "out").glob("*.xlsx")
    assert str(path.name) in run.stdout
    wb = openpyxl.load_workbook(path)
    assert named(wb, "MV_F_CHECK").startswith("有 1 项错误")
    assert re.fullmatch(r"申报表![A-I][0-9]+", named(wb, "MV_C_E1_CELL"))
    assert named(wb, "MV_C_E1_CLAUSE") == "附件3 一.7"
    assert verify_file(path).ok


def test_unreadable_input_is_its_chinese_error(tmp_path: Path) -> None:
    garbage = tmp_path / "坏文件.xlsx"
    garbage.write_bytes(b"not a workbook at all")
    run = xlmv("export", str(garbage), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert str(garbage) in run.stderr and "不是 Excel 工作簿" in run.stderr
    other = not_ours(tmp_path / "别的表.xlsx")
    run = xlmv("export", str(other), "-o", str(tmp_path / "out"))
    assert run.returncode == 2 and "不是模型券申报表模板" in run.stderr
    assert not (tmp_path / "out").exists()


def test_hostile_names_make_safe_files(tmp_path: Path) -> None:
    values = declaration_values(valid_declaration())
    values["company.name"] = "../../etc/passwd"
    values["products[0].name"] = "a:b*c?"
    source = write_workbook(tmp_path / "in.xlsx", values)
    out = tmp_path / "out"
    run = xlmv("export", str(source), "-o", str(out), "--force")
    assert run.returncode == 0, run.stderr
    assert [p.name for p in out.iterdir()] == ["etcpasswd-abc-模型券申报.xlsx"]
    wb = openpyxl.load_workbook(out / "etcpasswd-abc-模型券申报.xlsx")
    assert named(wb, "_MV_COMPANY_NAME") == "../../etc/passwd"  # the name itself is exported as typed


def test_output_that_is_a_file_is_refused(exported: Exported, tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_bytes(b"x")
    run = xlmv("export", str(exported.source), "-o", str(target))
    assert run.returncode == 2 and "不是文件夹" in run.stderr


# ---------------------------------------------------------------------------------------- LibreOffice


def test_libreoffice_reads_the_same_numbers(soffice: str, exported: Exported, tmp_path: Path) -> None:
    """The export opened and saved by LibreOffice (no add-in, nothing to recalculate) keeps every number,
    and still verifies."""
    profile = (tmp_path / "profile").as_uri()
    outdir = tmp_path / "lo"
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
    command += ["--convert-to", "xlsx", "--outdir", str(outdir), str(exported.path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    converted = outdir / exported.path.name
    assert done.returncode == 0 and converted.exists(), done.stderr
    wb = openpyxl.load_workbook(converted, data_only=True)
    for name in ("MV_P1_REWARD", "MV_P2_REWARD", "MV_P1_GRANTED", "MV_TOTAL_REWARD", "MV_F_TOTAL"):
        assert named(wb, name) == named(exported.wb, name), name
    for n, want in enumerate(VALID_REWARDS, start=1):
        assert named(wb, f"MV_P{n}_REWARD") == float(want)
    assert named(wb, "MV_TOTAL_REWARD") == float(VALID_TOTAL)
    assert named(wb, "MV_P2_FEE_COMPUTE") == 60.0 and named(wb, "MV_P1_FEE_TOTAL") == 705.0
    result = verify_file(converted)
    assert result.ok, result.differences
