"""``xlmv demo``, the README's main job: every step runs on the bundled examples and says where its output is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from xlmv_workbook.demo import MARKER, examples
from xlmv_workbook.export.verify import verify_file


def _demo(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_examples_cover_the_cases_the_demo_promises() -> None:
    from xlmv.assess import assess

    results = [assess(decl) for _, decl in examples()]
    assert len(results) >= 3
    assert any(len(decl.products) > 1 for _, decl in examples())  # several products
    assert any(f.code.startswith("cap.") for r in results for f in r.findings)  # one hits a cap
    assert any(r.errors for r in results) and any(not r.errors for r in results)  # one with errors


def test_demo_runs_end_to_end(tmp_path: Path, soffice: str) -> None:
    out = tmp_path / "示例"
    result = _demo(out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    text = result.stdout
    for step in ("生成申报表模板", "校验", "批量复核", "导出", "完成"):
        assert step in text
    assert (out / "模型券申报表模板.xlsx").is_file()
    filled = sorted((out / "申报").glob("*.xlsx"))
    assert len(filled) == len(examples())
    review = load_workbook(out / "复核汇总.xlsx")
    assert {"复核明细", "按企业汇总", "问题清单"} <= set(review.sheetnames)
    exported = sorted((out / "导出").glob("*.xlsx"))
    clean = [name for name, decl in examples() if "错误" not in name]
    assert len(exported) == len(clean)
    assert len(sorted((out / "导出").glob("*.pdf"))) == len(clean)
    for path in exported:
        assert verify_file(path).ok

    again = _demo(out)  # a rerun replaces its own output
    assert again.returncode == 0, again.stderr
    assert len(sorted((out / "导出").glob("*.xlsx"))) == len(clean)


def test_demo_refuses_a_folder_that_is_not_its_own(tmp_path: Path) -> None:
    (tmp_path / "别人的文件.txt").write_text("keep me", encoding="utf-8")
    result = _demo(tmp_path)
    assert result.returncode == 2
    assert "不是空的" in result.stderr
    assert (tmp_path / "别人的文件.txt").read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / MARKER).exists()
