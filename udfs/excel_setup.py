"""``xlmv excel setup``: a ready macro-enabled declaration workbook for Windows Excel, no VBA editor needed.

Steps, each reported in Chinese as it runs (the README's Windows section lists exactly these):

1. Write the xlwings user settings ``~/.xlwings/xlwings.conf``: this Python interpreter and the UDF
   module ``xlmv_udfs``.
2. Write the macro-enabled template (``申报表.xlsm`` by default, ``-o`` to choose): it already carries
   xlwings' standalone VBA (``XLPy``) and the xlmv wrappers (``xlmv_workbook.xlsx.macros``), so no
   add-in, no Tools → References and no "Import Functions" is needed.
3. Through COM, open it in Excel and
   a. when the VBA project may be accessed ("信任对 VBA 工程对象模型的访问"), replace the wrapper module
      with a fresh import of ``xlmv_udfs.bas`` (the same code; this proves the project is writable) and
      save; when it may not, say so: the wrappers in the file are used, nothing else is needed;
   b. recalculate and read ``奖励测算!计算方式``: ``计算方式：插件`` means Python answered; otherwise explain
      what to check (macros disabled, the interpreter).
   Excel not installed, or COM unavailable: the file from step 2 still works; say how to open it.

Elsewhere (Mac, Linux, Excel on the web, WPS) classic xlwings UDFs do not exist; the command says so
and points to the template's built-in formulas. The COM object comes from ``excel`` (tests pass a
recording stand-in; Windows COM cannot run here).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

UDF_MODULE = "xlmv_udfs"
WRAPPER_MODULE = "xlwings_udfs"
BAS = Path(__file__).with_name("xlmv_udfs.bas")
ENGINE_SHEET, ENGINE_CELL = "奖励测算", "B2"
ENGINE_ON = "计算方式：插件"
DEFAULT_OUTPUT = Path("申报表.xlsm")

NOT_WINDOWS = (
    "xlmv excel setup 只适用于 Windows 版 Excel：经典 xlwings 自定义函数依赖 Windows 的 COM。",
    "Mac 版 Excel、网页版 Excel 和 WPS 不支持 xlwings 自定义函数；申报表模板在这些环境中由内置公式计算档位、奖励和上限，",
    "结果与插件一致（“计算方式：内置公式”）。整本校验请在命令行运行：xlmv check 申报表.xlsx",
)
UNTRUSTED = (
    "第 3a 步未做：Excel 不允许程序访问 VBA 工程（信任中心未勾选“信任对 VBA 工程对象模型的访问”）。"
    "这不影响使用：工作簿里已带有函数代码，无需导入。"
)
NO_EXCEL = "第 3 步未做：无法通过 COM 启动 Excel（{reason}）。工作簿已可直接使用：在 Excel 中打开 {path}，启用宏即可。"
NOT_ANSWERING = (
    "Excel 中“计算方式”显示“{shown}”，插件尚未应答。请检查：打开文件时点“启用内容”（宏）；"
    "{config} 中 INTERPRETER_WIN 指向已安装 xlmv 的 Python（{python}）。内置公式照常计算，结果相同。"
)


def user_config_lines(existing: str, interpreter: str) -> str:
    """The xlwings user settings with this interpreter and ``xlmv_udfs`` set, other settings kept."""
    keep = [
        line
        for line in existing.splitlines()
        if line.strip() and not line.upper().startswith(('"UDF MODULES"', '"INTERPRETER_WIN"'))
    ]
    return "\n".join([*keep, f'"INTERPRETER_WIN","{interpreter}"', f'"UDF MODULES","{UDF_MODULE}"']) + "\n"


def write_user_config(path: Path, interpreter: str) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(user_config_lines(existing, interpreter), encoding="utf-8")


def _excel() -> Any:
    import win32com.client  # pywin32, installed with xlwings on Windows

    return win32com.client.DispatchEx("Excel.Application")


def _write_template(path: Path) -> Path:
    from xlmv_workbook.template.build import write_template

    return write_template(path)


def reimport_wrappers(book: Any, bas: Path = BAS) -> None:
    """Replace the workbook's wrapper module with ``bas`` (raises where the VBA project is not trusted)."""
    components = book.VBProject.VBComponents
    for n in range(components.Count, 0, -1):
        if components.Item(n).Name == WRAPPER_MODULE:
            components.Remove(components.Item(n))
    components.Import(str(bas))


def prepare_in_excel(path: Path, excel: Callable[[], Any], say: Callable[[str], None], config: Path) -> int:
    """Step 3: open ``path`` in Excel, refresh the wrappers where allowed, and check the indicator."""
    try:
        app = excel()
    except Exception as exc:  # no Excel, no pywin32, COM refused
        say(NO_EXCEL.format(reason=f"{type(exc).__name__}：{exc}", path=path))
        return 0
    book = None
    try:
        app.Visible = False
        app.DisplayAlerts = False
        book = app.Workbooks.Open(str(path.resolve()))
        try:
            reimport_wrappers(book)
            say(f"第 3a 步：已在 Excel 中重新导入函数代码（{BAS.name}）。")
        except Exception:
            say(UNTRUSTED)
        app.CalculateFull()
        shown = book.Worksheets(ENGINE_SHEET).Range(ENGINE_CELL).Value
        book.Save()
        if shown == ENGINE_ON:
            say(f"第 3b 步：Excel 中“计算方式”为“{ENGINE_ON}”，xlmv 函数可用。")
            return 0
        say(NOT_ANSWERING.format(shown=shown, config=config, python=sys.executable))
        return 1
    except Exception as exc:
        say(f"第 3 步失败：Excel 操作出错（{type(exc).__name__}：{exc}）。工作簿 {path} 仍可直接打开使用。")
        return 1
    finally:
        if book is not None:
            book.Close(False)
        app.Quit()


def setup(
    platform: str = sys.platform,
    config: Path | None = None,
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    output: Path = DEFAULT_OUTPUT,
    excel: Callable[[], Any] = _excel,
    write: Callable[[Path], Path] = _write_template,
) -> int:
    """Run the steps; returns a process exit code (0 done; 2 not possible here, said on ``warn``)."""
    if not platform.startswith("win"):
        for line in NOT_WINDOWS:
            warn(line)
        return 2
    config = config or Path.home() / ".xlwings" / "xlwings.conf"
    write_user_config(config, sys.executable)
    say(f"第 1 步：已写入 xlwings 用户设置 {config}：UDF Modules = {UDF_MODULE}，Python = {sys.executable}")
    if output.suffix.lower() != ".xlsm":
        warn(f"输出文件应以 .xlsm 结尾（启用宏的工作簿）：{output}")
        return 2
    try:
        path = write(output)
    except (OSError, ValueError) as exc:
        say(f"第 2 步失败：无法写入 {output}（{exc}）")
        return 1
    say(
        f"第 2 步：已生成启用宏的申报表 {path}（内含 xlwings 独立模块和 xlmv 函数，无需加载项、无需打开 VBA 编辑器）。"
    )
    return prepare_in_excel(path, excel, say, config)
