"""The evidence check through every surface: the materials folder conventions, ``xlmv materials``,
``xlmv check``, ``MV_VALIDATE`` (the file adapter) and ``xlmv batch`` (材料核验 sheet, duplicates across
applications). Declarations are the bundled fictional examples; their documents are generated here."""

from __future__ import annotations

import io
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlmv.declaration import Declaration
from xlmv.policy import load_policy
from xlmv_workbook.materials import samples
from xlmv_workbook.materials.command import run as run_materials
from xlmv_workbook.materials.demo_files import Plan, link_in_column, write_materials
from xlmv_workbook.materials.folder import collect, default_folder
from xlmv_workbook.read.check import check_file
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import validate_file
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.inputs import collect_inputs
from xlmv_workbook.template import layout
from xlmv_workbook.template.build import write_template
from xlmv_workbook.template.fill import fill_template

POLICY = load_policy()


def example(name: str = "01-星河智算") -> Declaration:
    text = (resources.files("xlmv.examples") / f"{name}.json").read_text(encoding="utf-8")
    return Declaration.model_validate_json(text)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("t") / "模板.xlsx")


@pytest.fixture(scope="module")
def clean_book(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Example 1 with a complete, matching materials folder (the baseline every test changes one thing in)."""
    folder = tmp_path_factory.mktemp("clean")
    book = fill_template(template, example(), folder / "申报.xlsx")
    write_materials(default_folder(book), example(), POLICY, Plan(prefix="2411990"))
    return book


def copy_book(book: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(book, target / book.name)
    shutil.copytree(default_folder(book), default_folder(target / book.name))
    return target / book.name


def materials_json(book: Path, *args: str) -> tuple[int, dict]:
    out, err = io.StringIO(), io.StringIO()
    code = run_materials(book, *args, as_json=True, out=out, err=err)
    return code, json.loads(out.getvalue()) if out.getvalue() else {}


def _hashes(folder: Path) -> dict[Path, str]:
    import hashlib

    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_complete_folder_is_all_complete(clean_book: Path) -> None:
    before = _hashes(clean_book.parent)
    code, data = materials_json(clean_book)
    assert _hashes(clean_book.parent) == before  # the workbook and every document are only read
    assert code == 0, [i for i in data["items"] if i["status"] != "齐全"]
    assert {i["status"] for i in data["items"]} == {"齐全"}
    kinds = {d["kind"] for d in data["documents"]}
    assert {"发票", "结算单", "合同"} <= kinds
    assert check_file(clean_book).evaluation.materials.ok


def test_foreign_buyer_is_caught_everywhere(clean_book: Path, tmp_path: Path) -> None:
    book = copy_book(clean_book, tmp_path)
    target = next(default_folder(book).glob("产品1/3-1-4/*"))
    target.unlink()
    other = samples.make_invoice(
        "24119900000000000777",
        example().application_date,
        samples.Party(name="北京另一家科技有限公司（虚构示例）", tax_id="91110105MA0OTHER7X"),
        samples.Party(name="北京百度网讯科技有限公司", tax_id="91110000DC3E99D5C1"),
        __import__("decimal").Decimal("3100000"),
    )
    samples.invoice_pdf(target.with_suffix(".pdf"), other)
    code, data = materials_json(book)
    assert code == 1
    item = next(i for i in data["items"] if i["product"] == 1 and i["item"] == 4)
    assert item["status"] == "不符" and any("购买方" in r for r in item["reasons"])
    finding = next(f for f in data["findings"] if f["code"] == "evidence.buyer_tax_id")
    assert finding["cell"] == layout.by_path()["company.uscc"].ref
    assert finding["file"].startswith("产品1/3-1-4/")
    # check reports it with the clause, and MV_VALIDATE writes the status into 材料清单
    evaluation = check_file(book).evaluation
    assert any(
        f.code == "evidence.buyer_tax_id" and f.clause == "附件3-1 4；附件3-2 3" for f in evaluation.errors
    )
    # export refuses what check reports (before: it exported "未发现错误" and 齐全 9/9)
    from xlmv_workbook.export.submission import DeclarationHasErrors, export

    with pytest.raises(DeclarationHasErrors) as refused:
        export(book, tmp_path / "导出")
    assert any("购买方" in issue.message for issue in refused.value.issues)
    validated = tmp_path / "validated.xlsx"
    validate_file(book, validated)
    ws = load_workbook(validated)[layout.CHECKLIST]
    row = layout.checklist_first_row(0) + 3
    assert ws[f"{layout.EVIDENCE_COLUMN}{row}"].value.startswith("不符")
    assert ws[f"{layout.EVIDENCE_COLUMN}{row - 1}"].value == "齐全"


def test_no_materials_folder_changes_nothing_in_check(template: Path, tmp_path: Path) -> None:
    book = fill_template(template, example(), tmp_path / "申报.xlsx")
    assert check_file(book).evaluation.materials is None
    out, err = io.StringIO(), io.StringIO()
    assert run_materials(book, out=out, err=err) == 1  # every provided item has no file: 不符
    assert "未找到材料文件夹" in err.getvalue()


def test_materials_option_and_unreadable_workbook(clean_book: Path, tmp_path: Path) -> None:
    moved = tmp_path / "别处的材料"
    shutil.copytree(default_folder(clean_book), moved)
    book = tmp_path / "申报.xlsx"
    shutil.copy(clean_book, book)
    assert materials_json(book, str(moved))[0] == 0
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    assert run_materials(bad, out=io.StringIO(), err=io.StringIO()) == 2


def test_file_column_links_and_refuses_paths_outside(clean_book: Path, tmp_path: Path) -> None:
    book = copy_book(clean_book, tmp_path)
    link_in_column(book, 0, 5, default_folder(book), "补充说明.pdf", "补充说明")
    result = read_workbook(book)
    assert result.files == {"products[0].files[4]": "申报-材料/补充说明.pdf"}
    materials = collect(POLICY, result, book)
    files = materials.files_for(0, 5)
    assert "补充说明.pdf" in {f.file for f in files}
    assert "补充说明.pdf" not in materials.unlinked
    wb = load_workbook(book)
    field = layout.material_file_fields(0)[5]
    wb[field.sheet][field.cell].value = "../../etc/passwd; /etc/hosts; 不存在.pdf"
    wb.save(book)
    problems = [d.problem for d in collect(POLICY, read_workbook(book), book).files_for(0, 6)]
    assert any("之外" in p for p in problems)
    assert any("相对路径" in p for p in problems)
    assert any("不存在" in p for p in problems)


def test_subfolders_of_the_wrong_checklist_are_unlinked(clean_book: Path, tmp_path: Path) -> None:
    book = copy_book(clean_book, tmp_path)
    stray = default_folder(book) / "产品1" / "3-2-3" / "发票.pdf"  # 产品1 is API: 附件3-1, not 3-2
    stray.parent.mkdir(parents=True)
    shutil.copy(next(default_folder(book).glob("产品2/3-2-2/*.pdf")), stray)
    (default_folder(book) / "随手放的.pdf").write_bytes(stray.read_bytes())
    report = check_file(book).evaluation
    unlinked = {f.file for f in report.findings if f.code == "evidence.unlinked"}
    assert unlinked == {"产品1/3-2-3/发票.pdf", "随手放的.pdf"}


def test_batch_material_sheet_and_duplicates_across_applications(
    clean_book: Path, template: Path, tmp_path: Path
) -> None:
    first = copy_book(clean_book, tmp_path / "in" / "a")
    plan = Plan(prefix="2411980")
    invoices = sorted((default_folder(first) / "产品1" / "3-1-4").iterdir())
    number = read_document_number(invoices[0])
    plan.reuse_number = number
    second = fill_template(template, example("02-青禾医疗"), tmp_path / "in" / "b" / "青禾.xlsx")
    write_materials(default_folder(second), example("02-青禾医疗"), POLICY, plan)
    assert len(collect_inputs([tmp_path / "in"])) == 2  # settlement workbooks in 材料 folders are not inputs
    result = run_batch([tmp_path / "in"], tmp_path / "复核.xlsx", jobs=1)
    assert result.duplicate_invoices == (number,)
    wb = load_workbook(tmp_path / "复核.xlsx")
    rows = list(wb["材料核验"].iter_rows(values_only=True))
    assert rows[0][0].startswith("材料核验　批次日期")  # the title row every review sheet has
    rows = rows[1:]
    assert rows[0][:5] == ("来源文件", "企业名称", "产品名称", "清单项", "材料文件")
    assert len(rows) > 20
    flagged = [r for r in rows if r[8] and number in r[8]]
    assert {Path(r[0]).name for r in flagged} == {"申报.xlsx", "青禾.xlsx"}
    assert all(r[7] == "不符" for r in flagged)
    issues = [r for r in wb["问题清单"].iter_rows(values_only=True) if r[3] and "多份申报中重复使用" in r[3]]
    assert {Path(r[0]).name for r in issues} == {"申报.xlsx", "青禾.xlsx"}
    assert result.files_with_errors == 2


def read_document_number(path: Path) -> str:
    from xlmv_workbook.materials.reading import read_document

    return read_document(path, path.name, "invoice").invoice.number


def test_batch_without_materials_has_no_material_sheet(template: Path, tmp_path: Path) -> None:
    fill_template(template, example(), tmp_path / "in" / "a.xlsx")
    run_batch([tmp_path / "in"], tmp_path / "复核.xlsx", jobs=1)
    assert "材料核验" not in load_workbook(tmp_path / "复核.xlsx").sheetnames


def test_mv_validate_in_excel_writes_the_same_status(clean_book: Path, tmp_path: Path) -> None:
    """The xlwings adapter (a fake Excel book, as in test_validate) gets the same 材料核验 texts as a file."""
    from test_validate import FakeBook

    from xlmv_workbook.read.books import XlwingsBook
    from xlmv_workbook.read.validate import validate

    book = copy_book(clean_book, tmp_path)
    next(default_folder(book).glob("产品2/3-2-3/*")).unlink()  # the private product's invoice is gone
    fake = FakeBook.from_file(book)
    fake.fullname = str(book)
    findings = validate(XlwingsBook(fake))
    assert any(f.code == "evidence.no_file" for f in findings)
    validated = tmp_path / "validated.xlsx"
    validate_file(book, validated)
    ws = load_workbook(validated)[layout.CHECKLIST]
    for slot in (0, 1):
        for item in range(1, layout.CHECKLIST_ITEMS + 1):
            row = layout.checklist_first_row(slot) + item - 1
            excel = fake.sheets[layout.CHECKLIST].cells.get((row, 7))
            assert excel == ws[f"{layout.EVIDENCE_COLUMN}{row}"].value
    row = layout.checklist_first_row(1) + 2
    assert ws[f"{layout.EVIDENCE_COLUMN}{row}"].value.startswith("不符")


def test_command_line(clean_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from xlmv.cli import main

    assert main(["materials", str(clean_book)]) == 0
    text = capsys.readouterr().out
    assert "3-1-4" in text and "齐全" in text and "结论：齐全" in text
    (tmp_path / "空").mkdir()  # an empty materials folder: every provided item lacks its file
    assert main(["materials", str(clean_book), "--materials", str(tmp_path / "空"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {i["status"] for i in data["items"]} >= {"不符"}
    assert main(["materials", str(tmp_path / "没有.xlsx")]) == 2
    assert "没有.xlsx" in capsys.readouterr().err
    assert main(["check", "--json", str(clean_book)]) == 0
    checked = json.loads(capsys.readouterr().out)[0]
    assert checked["materials"]["ok"] is True and checked["materials"]["items"]


def test_a_mistyped_materials_folder_is_an_error(clean_book: Path, tmp_path: Path) -> None:
    """Before: every item came out 不符 (“标为已提供，但没有对应的材料文件”) and nothing said the folder is missing."""
    missing = tmp_path / "没有这个文件夹"
    err = io.StringIO()
    code = run_materials(clean_book, missing, out=io.StringIO(), err=err)
    assert code == 2 and f"材料文件夹 {missing} 不存在或不是文件夹" in err.getvalue()
