"""``xlmv excel setup``: the settings it writes, and what it says where classic xlwings UDFs cannot run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from xlmv_udfs.excel_setup import setup, user_config_lines


def test_config_keeps_other_settings_and_sets_ours() -> None:
    existing = '"LICENSE_KEY","abc"\n"UDF MODULES","old_module"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n'
    text = user_config_lines(existing, "C:\\py\\python.exe")
    assert text.splitlines() == [
        '"LICENSE_KEY","abc"',
        '"INTERPRETER_WIN","C:\\py\\python.exe"',
        '"UDF MODULES","xlmv_udfs"',
    ]


def test_windows_route_installs_addin_and_writes_config(tmp_path: Path) -> None:
    commands: list[list[str]] = []
    said: list[str] = []
    config = tmp_path / ".xlwings" / "xlwings.conf"
    code = setup("win32", run=lambda cmd: commands.append(cmd) or 0, config=config, say=said.append)
    assert code == 0
    assert commands == [[sys.executable, "-m", "xlwings", "addin", "install"]]
    assert '"UDF MODULES","xlmv_udfs"' in config.read_text(encoding="utf-8")
    assert any("Import Functions" in line for line in said)


def test_failed_addin_install_is_reported(tmp_path: Path) -> None:
    said: list[str] = []
    warned: list[str] = []
    config = tmp_path / "xlwings.conf"
    assert setup("win32", run=lambda cmd: 1, config=config, say=said.append, warn=warned.append) == 2
    assert not config.exists()
    assert warned and "失败" in warned[-1] and not any("失败" in line for line in said)


def test_elsewhere_the_cli_explains_and_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xlmv.cli", "excel", "setup"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "只适用于 Windows" in result.stderr and not result.stdout  # an error: said once, on stderr
    assert "内置公式" in result.stderr
    assert "Traceback" not in result.stderr
