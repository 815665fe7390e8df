"""The review workbook recalculates itself: after a reviewer's edits, LibreOffice (forced recalculation)
and Gnumeric (``ssconvert --recalc``) compute every live cell of 复核明细 and 按企业汇总 exactly as
``xlmv recalc`` does from the same edited file, to the fen; 核对 tells live recalculation from a
tampered formula; ``check-review`` and ``recalc`` name and restore overwritten formulas.

The sample: enterprise 甲 applies four times in 2025 (API projects of several services, a private
deployment, and 项目一 in two applications, so the project cap runs across them) and once in 2024,
spanning the 500万 enterprise-year cap; 乙 once; a ledger records 项目一's earlier award and 甲's 2025
prior. Every check runs for both allocation rules.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ARTEFACTS, require_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_batch import A, B, api, application, ledger_xlsx, private, write
from test_template_libreoffice import convert, profile

from xlmv.cli import main
from xlmv.reward import Allocation
from xlmv_workbook.review import formulas
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.review.ledger import read_ledger
from xlmv_workbook.review.recalcfile import recalc_file
from xlmv_workbook.review.sheets import FIRST_ROW, H

D = Decimal
FEN = D("0.01")
ALLOCATIONS = [Allocation.IN_ORDER, Allocation.PRO_RATA]


def two_services(name: str, first: str, second: str, date: dt.date) -> object:
    product = api(name, first, date=date)
    extra = product.services[0].model_copy(  # type: ignore[attr-defined]
        update={"settled_amount": D(second), "paid_amount": D(second), "claimed_amount": D(second)}
    )
    return product.model_copy(update={"services": [product.services[0], extra]})  # type: ignore[attr-defined]


def sample_inputs(folder: Path) -> Path:
    write(folder, "1.xlsx", application(A, "甲公司", dt.date(2025, 3, 10), api("项目一", "10000000")))
    write(
        folder,
        "2.xlsx",
        application(
            A,
            "甲公司",
            dt.date(2025, 3, 5),
            two_services("项目二", "6000000", "123456.78", dt.date(2025, 3, 5)),
        ),
    )
    write(
        folder,
        "3.xlsx",
        application(
            A,
            "甲公司",
            dt.date(2025, 2, 20),
            api("项目三", "8765432.10", date=dt.date(2025, 2, 20)),
            private("私有一", "3333333.33"),
        ),
    )
    write(folder, "4.xlsx", application(A, "甲公司", dt.date(2025, 3, 20), api(" 项目一", "7654321.98")))
    write(
        folder,
        "旧.xlsx",
        application(
            A, "甲公司", dt.date(2024, 11, 1), api("项目一", "2345678.91", date=dt.date(2024, 11, 1))
        ),
    )
    write(folder, "乙.xlsx", application(B, "乙公司", dt.date(2025, 3, 31), private("乙项目", "2500000")))
    (folder / "坏.xlsx").write_bytes(b"not a workbook")  # a row that takes no part
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[Allocation, Path]:
    """One generated review workbook per allocation rule."""
    root = tmp_path_factory.mktemp("live")
    folder = sample_inputs(root / "申报")
    ledger = ledger_xlsx(
        root / "台账.xlsx",
        ["统一社会信用代码", "项目名称", "年度", "已获奖励（元）"],
        [[A, "项目一", 2023, 1200000], [A, "其他项目", 2025, 800000.5]],
    )
    return {
        rule: run_batch(
            [folder], root / f"{rule.value}.xlsx", ledger=read_ledger(ledger), allocation=rule, jobs=1
        ).output
        for rule in ALLOCATIONS
    }


def find_row(ws: object, product: str, source: str) -> int:
    at = {c.header: n for n, c in enumerate(review.DETAIL_COLUMNS, start=1)}
    for r in range(FIRST_ROW, ws.max_row + 1):  # type: ignore[attr-defined]
        if str(ws.cell(row=r, column=at[H.PRODUCT]).value).strip() == product and str(  # type: ignore[attr-defined]
            ws.cell(row=r, column=at[H.SOURCE]).value  # type: ignore[attr-defined]
        ).endswith(source):
            return r
    raise AssertionError(product)


def col(header: str, columns: tuple[review.Column, ...] = review.DETAIL_COLUMNS) -> int:
    return [c.header for c in columns].index(header) + 1


Edit = tuple[str, str, str, object]  # (sheet, product or USCC|year, source, value) of one editable cell


def edit(
    source: Path,
    target: Path,
    ratios: dict[tuple[str, str], object],
    priors: dict[tuple[str, str], object],
    year_priors: dict[str, object],
) -> Path:
    """What a reviewer does in Excel, done with openpyxl: ratios and prior awards on 复核明细, the
    enterprise's prior of the year on 按企业汇总."""
    wb = load_workbook(source)
    ws = wb[review.DETAIL]
    for (product, file), value in ratios.items():
        ws.cell(row=find_row(ws, product, file), column=col(H.RATIO)).value = value
    for (product, file), value in priors.items():
        ws.cell(row=find_row(ws, product, file), column=col(H.PRIOR)).value = value
    summary = wb[review.SUMMARY]
    for r in range(FIRST_ROW, summary.max_row + 1):
        key = summary.cell(row=r, column=col(H.GROUP, review.SUMMARY_COLUMNS)).value
        if key in year_priors:
            summary.cell(row=r, column=col(H.YEAR_PRIOR, review.SUMMARY_COLUMNS)).value = year_priors[key]
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def live_cells(path: Path) -> dict[tuple[str, int, str], object]:
    """Every live cell's value as the file holds it (cached results), by sheet, row and header."""
    wb = load_workbook(path, data_only=True)
    out: dict[tuple[str, int, str], object] = {}
    for sheet, columns, headers in (
        (review.DETAIL, review.DETAIL_COLUMNS, formulas.DETAIL_LIVE),
        (review.SUMMARY, review.SUMMARY_COLUMNS, formulas.SUMMARY_LIVE),
    ):
        ws = wb[sheet]
        for r in range(FIRST_ROW, ws.max_row + 1):
            for h in headers:
                value = ws.cell(row=r, column=col(h, columns)).value
                out[(sheet, r, h)] = (
                    D(repr(value)).quantize(FEN) if isinstance(value, (int, float)) else value
                )
    return out


def checks(path: Path, sheet: str = review.DETAIL) -> dict[int, object]:
    wb = load_workbook(path, data_only=True)
    ws = wb[sheet]
    columns = review.DETAIL_COLUMNS if sheet == review.DETAIL else review.SUMMARY_COLUMNS
    return {r: ws.cell(row=r, column=col(H.CHECK, columns)).value for r in range(FIRST_ROW, ws.max_row + 1)}


def engine(edited: Path, folder: Path) -> Path:
    """What ``xlmv recalc`` computes from the same edited file (into a copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    return recalc_file(edited, folder / edited.name).written


def differences(theirs: Path, ours: Path) -> list[str]:
    a, b = live_cells(theirs), live_cells(ours)
    assert a.keys() == b.keys()
    return [f"{k}: {a[k]!r} != {b[k]!r}" for k in a if a[k] != b[k]]


REVIEWER_EDITS = {
    "ratios": {("项目二", "2.xlsx"): 0.7, ("项目一", "4.xlsx"): 0.333, ("乙项目", "乙.xlsx"): 0.5},
    "priors": {("私有一", "3.xlsx"): 1234567.89, ("项目一", "1.xlsx"): 1300000},
    "year_priors": {f"{A}|2025": 1500000.55},
}


@pytest.fixture(scope="module")
def lo_profile(tmp_path_factory: pytest.TempPathFactory) -> str:
    return profile(tmp_path_factory.mktemp("lo-profile"), recalc_mode=0)


@pytest.fixture(scope="module")
def edited(
    sample: dict[Allocation, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[Allocation, Path]:
    root = tmp_path_factory.mktemp("edited")
    return {rule: edit(path, root / f"{rule.value}.xlsx", **REVIEWER_EDITS) for rule, path in sample.items()}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def expected(
    edited: dict[Allocation, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[Allocation, Path]:
    root = tmp_path_factory.mktemp("engine")
    return {rule: engine(path, root) for rule, path in edited.items()}


def test_the_edits_change_money_in_both_rules(
    sample: dict[Allocation, Path], expected: dict[Allocation, Path]
) -> None:
    """The sample is not trivial: the edits move granted amounts and the enterprise cap binds."""
    for rule in ALLOCATIONS:
        before, after = live_cells(sample[rule]), live_cells(expected[rule])
        changed = [k for k in before if before[k] != after[k] and k[2] == H.GRANTED]
        assert len(changed) >= 3, rule
        assert any(v == "是" for (s, _, h), v in after.items() if h == H.BINDING), rule


@pytest.mark.parametrize("rule", ALLOCATIONS, ids=lambda r: r.value)
def test_libreoffice_recalculates_what_xlmv_recalc_computes(
    soffice: str,
    lo_profile: str,
    edited: dict[Allocation, Path],
    expected: dict[Allocation, Path],
    rule: Allocation,
    tmp_path: Path,
) -> None:
    (out,) = convert(soffice, lo_profile, "xlsx", [edited[rule]], tmp_path / "lo")
    assert differences(out, expected[rule]) == []
    shown = checks(out)
    assert set(shown.values()) <= {formulas.OK, formulas.LIVE, None}
    assert formulas.LIVE in shown.values() and formulas.OK in shown.values()  # unchanged rows stay ✓
    assert formulas.LIVE in set(checks(out, review.SUMMARY).values()) <= {formulas.OK, formulas.LIVE}
    assert set(checks(expected[rule]).values()) <= {formulas.OK, None}  # recalc brought the engine along


@pytest.mark.parametrize("rule", ALLOCATIONS, ids=lambda r: r.value)
def test_gnumeric_recalculates_what_xlmv_recalc_computes(
    edited: dict[Allocation, Path], expected: dict[Allocation, Path], rule: Allocation, tmp_path: Path
) -> None:
    ssconvert = require_tool(
        "ssconvert", "Gnumeric recalculates the review workbook (apt-get install gnumeric)"
    )
    out = tmp_path / "gnumeric.xlsx"
    done = subprocess.run(
        [ssconvert, "--recalc", str(edited[rule]), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and out.exists(), done.stderr
    assert differences(out, expected[rule]) == []


def test_a_number_typed_over_a_formula(
    capsys: pytest.CaptureFixture[str],
    soffice: str,
    lo_profile: str,
    sample: dict[Allocation, Path],
    tmp_path: Path,
) -> None:
    """No input changed, a formula overwritten: 核对 says 公式被改动, check-review names the cell (exit 1),
    recalc restores it and says so."""
    path = tmp_path / "tampered.xlsx"
    shutil.copy(sample[Allocation.IN_ORDER], path)
    wb = load_workbook(path)
    ws = wb[review.DETAIL]
    row = find_row(ws, "项目二", "2.xlsx")
    cell = ws.cell(row=row, column=col(H.GRANTED))
    cell.value = 999
    wb.save(path)
    (out,) = convert(soffice, lo_profile, "xlsx", [path], tmp_path / "lo")
    assert checks(out)[row] == formulas.TAMPERED
    assert {v for r, v in checks(out).items() if r != row} <= {formulas.OK, None}

    assert main(["check-review", str(path)]) == 1
    shown = capsys.readouterr().out
    assert f"{review.DETAIL}!{cell.coordinate}" in shown and "公式被改为数值 999" in shown
    assert main(["recalc", "--check", str(path)]) == 1
    capsys.readouterr()
    assert main(["recalc", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "已恢复被改动的公式 1 处" in shown and f"{review.DETAIL}!{cell.coordinate}" in shown
    restored = load_workbook(path)[review.DETAIL].cell(row=row, column=col(H.GRANTED)).value
    assert isinstance(restored, str) and restored.startswith("=")
    assert main(["check-review", str(path)]) == 0
    assert "公式完好" in capsys.readouterr().out


def test_an_edited_formula_is_named_and_restored(
    capsys: pytest.CaptureFixture[str], sample: dict[Allocation, Path], tmp_path: Path
) -> None:
    path = tmp_path / "edited-formula.xlsx"
    shutil.copy(sample[Allocation.PRO_RATA], path)
    wb = load_workbook(path)
    ws = wb[review.SUMMARY]
    ws.cell(row=FIRST_ROW, column=col(H.TOTAL, review.SUMMARY_COLUMNS)).value = "=5000000"
    wb.save(path)
    assert main(["check-review", str(path)]) == 1
    assert f"{review.SUMMARY}!H{FIRST_ROW}（可获合计（元）：公式被改为 =5000000）" in capsys.readouterr().out
    assert main(["recalc", str(path)]) == 0
    assert main(["check-review", str(path)]) == 0


def test_added_rows_need_recalc_and_get_formulas(
    capsys: pytest.CaptureFixture[str], sample: dict[Allocation, Path], tmp_path: Path
) -> None:
    """A copied row (another application pasted in) is structure: recalc rewrites every formula."""
    path = tmp_path / "added.xlsx"
    shutil.copy(sample[Allocation.IN_ORDER], path)
    wb = load_workbook(path)
    ws = wb[review.DETAIL]
    source = find_row(ws, "项目三", "3.xlsx")
    target = ws.max_row + 1
    for c in range(1, len(review.DETAIL_COLUMNS) + 1):
        value = ws.cell(row=source, column=c).value
        ws.cell(row=target, column=c).value = (
            None if isinstance(value, str) and value.startswith("=") else value
        )
    ws.cell(row=target, column=col(H.SOURCE)).value = "/其他/5.xlsx"
    wb.save(path)
    assert main(["check-review", str(path)]) == 1
    assert "行已增删或移动" in capsys.readouterr().out
    assert main(["recalc", str(path)]) == 0
    assert main(["check-review", str(path)]) == 0
    capsys.readouterr()
    formula = load_workbook(path)[review.DETAIL].cell(row=target, column=col(H.GRANTED)).value
    assert str(formula).startswith("=") and f"${target}" in str(formula)


# ----------------------------------------------------------------------- random edits, LibreOffice

ratio_values = st.one_of(
    st.integers(0, 1000).map(lambda n: n / 1000),
    st.sampled_from([None, 1, 0, 0.5]),
)
amounts = st.integers(0, 600_000_000).map(lambda n: n / 100)
PRODUCTS = [
    ("项目一", "1.xlsx"),
    ("项目二", "2.xlsx"),
    ("项目三", "3.xlsx"),
    ("私有一", "3.xlsx"),
    ("项目一", "4.xlsx"),
    ("项目一", "旧.xlsx"),
    ("乙项目", "乙.xlsx"),
]
edits = st.fixed_dictionaries(
    {
        "ratios": st.dictionaries(st.sampled_from(PRODUCTS), ratio_values, max_size=4),
        "priors": st.dictionaries(st.sampled_from(PRODUCTS), amounts, max_size=3),
        "year_priors": st.dictionaries(
            st.sampled_from([f"{A}|2025", f"{B}|2025", f"{A}|2024"]), amounts, max_size=2
        ),
    }
)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(st.tuples(st.sampled_from(ALLOCATIONS), edits), min_size=4, max_size=4))
def test_random_edits_through_libreoffice(
    soffice: str,
    lo_profile: str,
    sample: dict[Allocation, Path],
    tmp_path_factory: pytest.TempPathFactory,
    cases: list,
) -> None:
    root = tmp_path_factory.mktemp("random")
    files = [
        edit(sample[rule], root / "in" / f"{n}.xlsx", **change) for n, (rule, change) in enumerate(cases)
    ]
    outputs = convert(soffice, lo_profile, "xlsx", files, root / "lo")
    for file, out in zip(files, outputs, strict=True):
        assert differences(out, engine(file, root / "engine")) == []
        assert formulas.TAMPERED not in checks(out).values()


def test_render_the_edited_detail_sheet(
    soffice: str, lo_profile: str, pdftoppm: str, edited: dict[Allocation, Path], tmp_path: Path
) -> None:
    """复核明细 after a reviewer's edit, printed: the sign-off columns on page 1 at a readable scale,
    company and product repeated on page 2; the PNG goes to ARTEFACTS for a human to look at."""
    wb = load_workbook(edited[Allocation.IN_ORDER])
    for name in wb.sheetnames:
        if name != review.DETAIL:
            wb[name].sheet_state = "hidden"
    wb.active = wb.sheetnames.index(review.DETAIL)
    only = tmp_path / "复核明细.xlsx"
    wb.save(only)
    (pdf,) = convert(soffice, lo_profile, "pdf", [only], tmp_path / "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert "已按新输入重算" in pages[0] and "企业名称" in pages[0] and "审定比例" in pages[0]
    assert "甲公司" in pages[1] and "来源文件" in pages[1] and "复核明细" in pages[1]  # titles repeated
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [pdftoppm, "-r", "60", "-png", "-f", "1", "-l", "2", str(pdf), str(ARTEFACTS / "复核明细")],
        check=True,
    )


# ------------------------------------------------------------------------------ paper and the demo


def test_every_review_sheet_has_a_title_row_and_prints_readably(sample: dict[Allocation, Path]) -> None:
    """Issue 14: a title row (batch date, policy version, number of files) on every review sheet;
    复核明细 across pages at 75 % with the key columns and header rows repeated, not squeezed to 4 pt."""
    wb = load_workbook(sample[Allocation.IN_ORDER])
    today = dt.date.today().isoformat()
    for name in (review.DETAIL, review.SUMMARY, review.ISSUES):
        ws = wb[name]
        title = str(ws.cell(row=review.TITLE_ROW, column=1).value)
        assert title.startswith(name) and today in title and "2024.1" in title and "申报文件 7 个" in title
        assert ws.print_title_rows == "$1:$2"
        scale = ws.page_setup.scale if not ws.sheet_properties.pageSetUpPr.fitToPage else None
        assert scale is None or scale >= 60
    ws = wb[review.DETAIL]
    assert ws.print_title_cols == "$A:$B"
    assert [c.header for c in review.DETAIL_COLUMNS[:2]] == [H.COMPANY, H.PRODUCT]
    assert not ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.scale == 75
    first_page = [c.header for c in review.DETAIL_COLUMNS[: ws.col_breaks.brk[0].id]]
    signed = [H.COMPANY, H.PRODUCT, H.KIND, H.CLAIMED, H.TIER, H.MAX_REWARD, H.RATIO, H.GRANTED, H.STATUS]
    assert set(signed) <= set(first_page) and len(first_page) <= 11
    assert all(not c.hidden for c in review.DETAIL_COLUMNS[: review.DETAIL_PRINTED])


def test_the_demo_review_workbook_updates_itself_in_libreoffice(
    soffice: str, lo_profile: str, tmp_path: Path
) -> None:
    from xlmv_workbook.demo import run_demo

    result = run_demo(tmp_path / "示例", say=lambda _: None)
    assert result.review is not None
    wb = load_workbook(result.review)
    ws = wb[review.DETAIL]
    row = next(
        r
        for r in range(FIRST_ROW, ws.max_row + 1)
        if str(ws.cell(row=r, column=col(H.GRANTED)).value or "").startswith("=")
    )
    ws.cell(row=row, column=col(H.RATIO)).value = 0.5
    edited = tmp_path / "edited" / "复核汇总.xlsx"
    edited.parent.mkdir()
    wb.save(edited)
    before = live_cells(result.review)
    (out,) = convert(soffice, lo_profile, "xlsx", [edited], tmp_path / "lo")
    after = live_cells(out)
    assert after[(review.DETAIL, row, H.SCALED)] != before[(review.DETAIL, row, H.SCALED)]
    assert checks(out)[row] == formulas.LIVE
    assert differences(out, engine(edited, tmp_path / "engine")) == []


def test_a_ratio_typed_in_libreoffice_updates_the_sheet(soffice: str, tmp_path: Path) -> None:
    """The interactive case: LibreOffice opens the demo's review workbook as it is by default (cached
    values, no recalculation on load), a reviewer types 50 % into 审定比例, and LibreOffice's own
    dependency tracking updates the row, the enterprise's other rows and 按企业汇总 — to what
    ``xlmv recalc`` computes for the same edit."""
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin")
    probe = subprocess.run([python or "python3", "-c", "import uno"], capture_output=True, check=False)
    if python is None or probe.returncode != 0:
        require_tool(
            "python3-uno-missing", "LibreOffice's Python bridge drives an edit (apt-get install python3-uno)"
        )
    from xlmv_workbook.demo import run_demo

    result = run_demo(tmp_path / "示例", say=lambda _: None)
    assert result.review is not None
    wb = load_workbook(result.review)
    ws = wb[review.DETAIL]
    row = next(
        r
        for r in range(FIRST_ROW, ws.max_row + 1)
        if str(ws.cell(row=r, column=col(H.GRANTED)).value or "").startswith("=")
    )
    ratio = f"{review.DETAIL}!{ws.cell(row=row, column=col(H.RATIO)).coordinate}"
    keys = {
        (review.DETAIL, r, h): f"{review.DETAIL}!{ws.cell(row=r, column=col(h)).coordinate}"
        for r in range(FIRST_ROW, ws.max_row + 1)
        for h in (*formulas.DETAIL_LIVE, H.CHECK)
    }
    summary = wb[review.SUMMARY]
    keys |= {
        (
            review.SUMMARY,
            r,
            h,
        ): f"{review.SUMMARY}!{summary.cell(row=r, column=col(h, review.SUMMARY_COLUMNS)).coordinate}"
        for r in range(FIRST_ROW, summary.max_row + 1)
        for h in (*formulas.SUMMARY_LIVE, H.CHECK)
    }
    request = {"edits": {ratio: 0.5}, "read": list(keys.values())}
    done = subprocess.run(
        [
            python,
            str(Path(__file__).with_name("uno_edit.py")),
            soffice,
            profile(tmp_path / "lo", 1),
            str(result.review),
            json.dumps(request),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)["after"]

    ws.cell(row=row, column=col(H.RATIO)).value = 0.5
    edited = tmp_path / "edited" / "复核汇总.xlsx"
    edited.parent.mkdir()
    wb.save(edited)
    expected = live_cells(engine(edited, tmp_path / "engine"))
    original = live_cells(result.review)
    assert expected[(review.DETAIL, row, H.SCALED)] != original[(review.DETAIL, row, H.SCALED)]
    for (sheet, r, h), key in keys.items():
        number, text, error = shown[key]
        assert error == 0, key
        if h == H.CHECK:
            if text:
                assert text in (formulas.OK, formulas.LIVE), key
            continue
        want = expected[(sheet, r, h)]
        got = text if h == H.BINDING or want is None else D(repr(number)).quantize(FEN)
        assert got == (want if want is not None else ""), key
    assert shown[keys[(review.DETAIL, row, H.CHECK)]][1] == formulas.LIVE


def test_a_deleted_row_is_structure_and_recalc_rewrites_the_formulas(
    capsys: pytest.CaptureFixture[str],
    soffice: str,
    lo_profile: str,
    sample: dict[Allocation, Path],
    tmp_path: Path,
) -> None:
    """A withdrawn application's row deleted: the chains and ranges no longer fit; check-review says so,
    recalc rewrites every formula, and LibreOffice then agrees with the engine again."""
    path = tmp_path / "deleted.xlsx"
    shutil.copy(sample[Allocation.PRO_RATA], path)
    wb = load_workbook(path)
    ws = wb[review.DETAIL]
    ws.delete_rows(find_row(ws, "项目二", "2.xlsx"))
    wb.save(path)
    assert main(["check-review", str(path)]) == 1
    assert "行已增删或移动" in capsys.readouterr().out
    assert main(["recalc", str(path)]) == 0
    assert "已按新的行结构重写全部公式" in capsys.readouterr().out
    (out,) = convert(soffice, lo_profile, "xlsx", [path], tmp_path / "lo")
    assert differences(out, path) == []
    assert set(checks(out).values()) <= {formulas.OK, None}


def test_formulas_compare_as_spreadsheets_rewrite_them() -> None:
    """LibreOffice and Gnumeric save the same formula differently; it still counts as intact."""
    from xlmv_workbook.review.restore import normalise

    ours = "=ROUND(SUMIFS('按企业汇总'!$F$3:$F$4,'按企业汇总'!$L$3:$L$4,Y3)*0.1,2)"
    assert normalise(ours) == normalise(
        "ROUND(SUMIFS(按企业汇总!$F$3:$F$4, 按企业汇总!$L$3:$L$4, Y3)*0.100000000000000000001, 2)"
    )
    assert normalise(ours) != normalise(ours.replace("0.1", "0.2"))
    assert normalise("=H5+H9") != normalise("=H5+H19")
