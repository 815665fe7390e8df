"""verify against crafted and extreme exports (issue 11).

- embedded JSON with wrong types or a deeply nested array ended in rc 3 (AttributeError / TypeError /
  RecursionError): it is validated against a schema first, and the answer is "不是有效的导出文件" (rc 2);
- an untouched export with a 32,767-character model name failed with two false "在导出后被改动": export
  now cuts text to what a cell holds (ending in "…") before it records the value, so both agree;
- the duplicate-name check of the export writer scanned every cell written so far (O(n²)); building an
  export of 4× the products now costs about 4× the time.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_batch import A, api, application, write

from xlmv.assess import assess
from xlmv.cli import main
from xlmv.policy import DEFAULT_POLICY, load_policy
from xlmv_workbook.export.submission import CHUNK, DATA, build_submission, read_embedded


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("导出")
    source = write(folder, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")))
    assert main(["export", str(source), "-o", str(folder / "out")]) == 0
    return next((folder / "out").glob("*.xlsx"))


def _with_embedded(exported: Path, target: Path, change: object) -> Path:
    wb = load_workbook(exported)
    document = json.loads(read_embedded(wb) or "")
    text = change(document)  # type: ignore[operator]
    ws = wb[DATA]
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=1).value = None
    for n, start in enumerate(range(0, len(text), CHUNK), start=2):
        ws.cell(row=n, column=1, value=text[start : start + CHUNK]).data_type = "s"
    wb.save(target)
    return target


def _set(document: dict, path: str, value: object) -> str:
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node[part]
    node[last] = value
    return json.dumps(document, ensure_ascii=False)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("tool", ["x"]),  # AttributeError before: .get on a list
        ("policy", "beijing"),
        ("cells", [1, 2]),
        ("export.errors", [{"cell": 1}]),
        ("export.errors", 5),  # TypeError before
        ("format", "other"),
        ("declaration", "x"),
    ],
)
def test_wrong_types_are_not_an_export(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, value: object
) -> None:
    bad = _with_embedded(exported, tmp_path / "改.xlsx", lambda d: _set(d, path, value))
    assert main(["verify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "不是有效的导出文件" in err and str(bad) in err


def test_a_deeply_nested_array_is_not_an_export(
    exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    bad = _with_embedded(
        exported, tmp_path / "深.xlsx", lambda d: _set(d, "results", "@@").replace('"@@"', deep)
    )
    assert main(["verify", str(bad)]) in (1, 2)  # "已损坏" or "不是有效的导出文件", never rc 3
    captured = capsys.readouterr()
    assert "内部错误" not in captured.err
    assert "不是有效的导出文件" in captured.err or "已损坏" in captured.out
    moderately = "[" * 200 + "]" * 200  # parses, but far deeper than an export
    bad = _with_embedded(
        exported, tmp_path / "深2.xlsx", lambda d: _set(d, "results", "@@").replace('"@@"', moderately)
    )
    assert main(["verify", str(bad)]) == 2
    assert "嵌套过深" in capsys.readouterr().err


def test_a_32767_character_model_name_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    product = api("项目一", "3000000")
    service = product.services[0].model_copy(update={"model_name": "模" * 32_767})
    product = product.model_copy(update={"services": [service]})
    source = write(tmp_path, "a.xlsx", application(A, "甲公司", dt.date(2025, 3, 31), product))
    assert main(["export", str(source), "-o", str(tmp_path / "out"), "--force"]) == 0
    exported = next((tmp_path / "out").glob("*.xlsx"))
    capsys.readouterr()
    assert main(["verify", str(exported)]) == 0, capsys.readouterr().out
    assert "校验通过" in capsys.readouterr().out
    wb = load_workbook(exported)
    texts = [
        c.value
        for ws in wb.worksheets
        if ws.title != DATA
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert max(map(len, texts)) == 32_767
    assert any(len(t) == 32_767 and t.endswith("…") for t in texts)  # "服务1 <provider> 模…" was cut, visibly


def _build_seconds(products: int) -> float:
    policy = load_policy(DEFAULT_POLICY)
    decl = application(A, "甲公司", dt.date(2025, 3, 31), *[api("项目一", "3000000")] * products)
    assessment = assess(decl, policy)
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        build_submission(decl, assessment, policy)
        best = min(best, time.process_time() - start)
    return best


def test_building_an_export_is_linear_in_its_products() -> None:
    """Before: 20 → 80 products took about 10× the CPU time (quadratic name and merge scans); now about 4×."""
    small, large = _build_seconds(20), _build_seconds(80)
    assert large / small < 6.5, (small, large)
