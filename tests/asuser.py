"""Running the CLI as an unprivileged user (``nobody``), for tests whose point is file permissions: root
ignores them.

The project's Python lives under /root (unreadable for ``nobody``), so a world-readable folder gets copies
of the third-party packages the CLI imports and links to the worktree's own packages, and ``/usr/bin/python3``
(the same minor version, so the compiled wheels load) runs with it on ``PYTHONPATH``. Skipped with a reason
where ``runuser`` or root is missing; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"
_OWN = {"xlmv": ROOT / "xlmv", "xlmv_workbook": ROOT / "workbook", "xlmv_udfs": ROOT / "udfs"}
_IMPORTS = "import xlmv.cli, xlmv_workbook.review.batch, xlmv_workbook.review.recalcfile, xlmv_workbook.template.build"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the permission tests: {reason}")
    pytest.skip(reason)


def world_dir(prefix: str) -> Path:
    """A new folder under /tmp that ``nobody`` can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o777)
    return folder


def _third_party() -> list[Path]:
    """The files or folders of the third-party modules the CLI imports, from this interpreter."""
    script = (
        f"{_IMPORTS}\nimport sys, site\n"
        "prefixes = tuple(site.getsitepackages())\n"
        "for name, m in list(sys.modules.items()):\n"
        "    f = getattr(m, '__file__', None) or ''\n"
        "    if '.' not in name and f.startswith(prefixes) and not name.startswith('xlmv'):\n"
        "        print(f)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        path = Path(line)
        found.add(path.parent if path.name == "__init__.py" else path)
    return sorted(found)


def nobody_python() -> tuple[list[str], Path]:
    """The command prefix that runs ``/usr/bin/python3`` as ``nobody`` with the project importable, and the
    folder holding the copied packages (the caller removes it)."""
    if shutil.which("runuser") is None:
        _unavailable("runuser not installed (util-linux): cannot run as an unprivileged user")
    if os.geteuid() != 0:
        _unavailable("not root: cannot switch to the user nobody")
    if not Path(SYSTEM_PYTHON).exists():
        _unavailable(f"{SYSTEM_PYTHON} missing")
    version = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if version != str(sys.version_info[:2]):
        _unavailable(f"{SYSTEM_PYTHON} is Python {version}, the tests run {sys.version_info[:2]}")
    site = world_dir("xlmv-site-")
    for source in _third_party():
        target = site / source.name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    for name, folder in _OWN.items():
        (site / name).symlink_to(folder)
    for path in [site, *site.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    prefix = ["runuser", "-u", "nobody", "--", "env", f"PYTHONPATH={site}", "PYTHONIOENCODING=utf-8"]
    prefix += ["PYTHONDONTWRITEBYTECODE=1", SYSTEM_PYTHON]
    check = subprocess.run([*prefix, "-c", _IMPORTS], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise AssertionError(f"the project does not import as nobody: {check.stderr[-2000:]}")
    return prefix, site


def xlmv_as_nobody(
    prefix: list[str], *args: str | Path, umask: int = 0o022
) -> subprocess.CompletedProcess[str]:
    """``xlmv ARGS`` as ``nobody`` under ``umask``."""
    script = f"import os, sys; os.umask({umask:#o}); from xlmv.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [*prefix, "-c", script, *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
