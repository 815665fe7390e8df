"""``xlmv excel setup``: the settings it writes, the .xlsm it prepares through COM (against a recording
stand-in for Excel's COM objects: Windows COM cannot run here), and what it says where classic xlwings
UDFs cannot run."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from xlmv_udfs import excel_setup as X
from xlmv_udfs.excel_setup import setup, user_config_lines


def test_config_keeps_other_settings_and_sets_ours() -> None:
    existing = '"LICENSE_KEY","abc"\n"UDF MODULES","old_module"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n'
    text = user_config_lines(existing, "C:\\py\\python.exe")
    assert text.splitlines() == [
        '"LICENSE_KEY","abc"',
        '"INTERPRETER_WIN","C:\\py\\python.exe"',
        '"UDF MODULES","xlmv_udfs"',
    ]


class ComError(Exception):
    """What pywin32 raises (pywintypes.com_error) when Excel refuses VBA project access."""


class Recorder:
    """Records every COM call the setup makes, as ``(object, method, args)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[object, ...]]] = []

    def log(self, owner: str, method: str, *args: object) -> None:
        self.calls.append((owner, method, args))


class FakeComponent:
    def __init__(self, name: str) -> None:
        self.Name = name


class FakeComponents:
    def __init__(self, rec: Recorder, names: list[str]) -> None:
        self.rec, self.items = rec, [FakeComponent(n) for n in names]

    @property
    def Count(self) -> int:
        return len(self.items)

    def Item(self, n: int) -> FakeComponent:
        return self.items[n - 1]

    def Remove(self, component: FakeComponent) -> None:
        self.rec.log("VBComponents", "Remove", component.Name)
        self.items.remove(component)

    def Import(self, path: str) -> None:
        self.rec.log("VBComponents", "Import", Path(path).name)
        self.items.append(FakeComponent(X.WRAPPER_MODULE))


class FakeRange:
    def __init__(self, book: FakeBook, address: str) -> None:
        self.book, self.address = book, address

    @property
    def Value(self) -> object:
        self.book.rec.log("Range", "Value", self.address)
        return self.book.engine


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name

    def Range(self, address: str) -> FakeRange:
        return FakeRange(self.book, f"{self.name}!{address}")


class FakeBook:
    def __init__(self, rec: Recorder, path: str, trusted: bool, engine: str) -> None:
        self.rec, self.path, self.trusted, self.engine = rec, path, trusted, engine
        self._components = FakeComponents(rec, ["ThisWorkbook", "Sheet1", "xlwings", X.WRAPPER_MODULE])

    @property
    def VBProject(self) -> Any:
        if not self.trusted:
            raise ComError("Programmatic access to Visual Basic Project is not trusted")
        return type("VBProject", (), {"VBComponents": self._components})()

    def Worksheets(self, name: str) -> FakeSheet:
        return FakeSheet(self, name)

    def Save(self) -> None:
        self.rec.log("Workbook", "Save")

    def Close(self, save: bool) -> None:
        self.rec.log("Workbook", "Close", save)


class FakeExcel:
    def __init__(self, rec: Recorder, *, trusted: bool = True, engine: str = X.ENGINE_ON) -> None:
        self.rec, self.trusted, self.engine = rec, trusted, engine
        self.Visible = True
        self.DisplayAlerts = True
        outer = self

        class Workbooks:
            def Open(self, path: str) -> FakeBook:
                outer.rec.log("Workbooks", "Open", Path(path).name)
                assert zipfile.is_zipfile(path)  # the .xlsm of step 2 exists when Excel opens it
                return FakeBook(outer.rec, path, outer.trusted, outer.engine)

        self.Workbooks = Workbooks()

    def CalculateFull(self) -> None:
        self.rec.log("Application", "CalculateFull")

    def Quit(self) -> None:
        self.rec.log("Application", "Quit")


def _run(tmp_path: Path, **excel: Any) -> tuple[int, list[str], Recorder]:
    rec = Recorder()
    said: list[str] = []
    code = setup(
        "win32",
        config=tmp_path / ".xlwings" / "xlwings.conf",
        say=said.append,
        output=tmp_path / "申报表.xlsm",
        excel=lambda: FakeExcel(rec, **excel),
    )
    return code, said, rec


def test_trusted_excel_gets_fresh_wrappers_and_answers(tmp_path: Path) -> None:
    code, said, rec = _run(tmp_path)
    assert code == 0
    assert '"UDF MODULES","xlmv_udfs"' in (tmp_path / ".xlwings" / "xlwings.conf").read_text(encoding="utf-8")
    assert rec.calls == [
        ("Workbooks", "Open", ("申报表.xlsm",)),
        ("VBComponents", "Remove", (X.WRAPPER_MODULE,)),
        ("VBComponents", "Import", ("xlmv_udfs.bas",)),
        ("Application", "CalculateFull", ()),
        ("Range", "Value", ("奖励测算!B2",)),
        ("Workbook", "Save", ()),
        ("Workbook", "Close", (False,)),
        ("Application", "Quit", ()),
    ]
    assert [line.split("：")[0] for line in said] == ["第 1 步", "第 2 步", "第 3a 步", "第 3b 步"]
    assert "VBA 编辑器" in said[1] and "无需" in said[1]


def test_untrusted_vba_access_is_explained_and_nothing_is_needed(tmp_path: Path) -> None:
    code, said, rec = _run(tmp_path, trusted=False)
    assert code == 0
    assert not [c for c in rec.calls if c[0] == "VBComponents"]
    assert X.UNTRUSTED in said and "无需导入" in X.UNTRUSTED
    assert rec.calls[-1] == ("Application", "Quit", ())


def test_python_not_answering_is_explained(tmp_path: Path) -> None:
    code, said, _ = _run(tmp_path, engine="计算方式：内置公式")
    assert code == 1
    assert "启用内容" in said[-1] and "INTERPRETER_WIN" in said[-1] and sys.executable in said[-1]


def test_without_excel_the_workbook_is_still_written(tmp_path: Path) -> None:
    said: list[str] = []

    def no_excel() -> Any:
        raise ModuleNotFoundError("No module named 'win32com'")

    code = setup(
        "win32", config=tmp_path / "c.conf", say=said.append, output=tmp_path / "a.xlsm", excel=no_excel
    )
    assert code == 0
    assert (tmp_path / "a.xlsm").exists() and "无法通过 COM 启动 Excel" in said[-1]


@pytest.mark.parametrize("name", ["申报表.xlsx"])
def test_the_output_must_be_macro_enabled(tmp_path: Path, name: str) -> None:
    said: list[str] = []
    assert setup("win32", config=tmp_path / "c.conf", say=said.append, output=tmp_path / name) == 2


def test_elsewhere_the_cli_explains_and_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "excel", "setup"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "只适用于 Windows" in result.stderr and not result.stdout  # an error: said once, on stderr
    assert "内置公式" in result.stderr
    assert "Traceback" not in result.stderr
