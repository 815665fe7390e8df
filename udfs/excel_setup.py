"""``xlmv excel setup``: prepare Windows Excel for the xlmv functions with the classic (BSD) xlwings add-in.

It does what xlwings lets a script do: install the xlwings Excel add-in (``xlwings addin install``) and
write the user settings file ``~/.xlwings/xlwings.conf`` with this Python interpreter and the UDF module
``xlmv_udfs``. The steps only a person can do in Excel (Trust Center, saving as .xlsm, Import Functions)
are printed. Elsewhere (Mac, Linux, Excel on the web, WPS) classic xlwings UDFs do not exist; the command
says so and points to the template's built-in formulas.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

UDF_MODULE = "xlmv_udfs"

MANUAL_STEPS = (
    "在 Excel 中还需手动完成：",
    "  1. 文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置：勾选“信任对 VBA 工程对象模型的访问”。",
    "  2. 用 xlmv template -o 申报表.xlsx 生成模板，在 Excel 中“另存为”启用宏的工作簿（申报表.xlsm）。",
    "  3. 打开 申报表.xlsm，在 xlwings 选项卡点“Import Functions”（工作簿内隐藏的 xlwings.conf 表已写明 UDF Modules = xlmv_udfs）。",
    "  4. “奖励测算”表的“计算方式”显示“计算方式：插件”即为成功；按 Alt+F8 运行宏 MV_VALIDATE 校验整本申报表。",
    "  若无法勾选第 1 步：在 VBA 编辑器（Alt+F11）中 文件 → 导入文件 选择 xlmv_udfs.bas，并在 工具 → 引用 中勾选 xlwings。",
)

NOT_WINDOWS = (
    "xlmv excel setup 只适用于 Windows 版 Excel：经典 xlwings 自定义函数依赖 Windows 的 COM。",
    "Mac 版 Excel、网页版 Excel 和 WPS 不支持 xlwings 自定义函数；申报表模板在这些环境中由内置公式计算档位、奖励和上限，",
    "结果与插件一致（“计算方式：内置公式”）。整本校验请在命令行运行：xlmv check 申报表.xlsx",
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


def setup(
    platform: str = sys.platform,
    run: Callable[[list[str]], int] = lambda cmd: subprocess.call(cmd),
    config: Path | None = None,
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> int:
    """Run the automatable steps; returns a process exit code: 0 done, 2 not possible here or the add-in
    could not be installed (said on ``warn``, stderr)."""
    if not platform.startswith("win"):
        for line in NOT_WINDOWS:
            warn(line)
        return 2
    say("正在安装 xlwings Excel 加载项（xlwings addin install）……")
    if run([sys.executable, "-m", "xlwings", "addin", "install"]) != 0:
        warn("xlwings 加载项安装失败：请关闭 Excel 后重试，或以管理员身份运行命令提示符。")
        return 2
    config = config or Path.home() / ".xlwings" / "xlwings.conf"
    write_user_config(config, sys.executable)
    say(f"已写入 xlwings 用户设置 {config}：UDF Modules = {UDF_MODULE}，Python = {sys.executable}")
    for line in MANUAL_STEPS:
        say(line)
    return 0
