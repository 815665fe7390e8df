"""Shared test fixtures: the optional-tool policy (skip on a laptop, fail in CI) and a built template."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_tool(command: str, why: str) -> str:
    """The path of ``command``; skip the test with a clear reason when it is missing, but fail in CI,
    where ``.ci/run`` installs every tool the tests need."""
    found = shutil.which(command)
    if found is None:
        message = f"{command} not installed: {why} (apt-get install libreoffice-calc fonts-noto-cjk poppler-utils gnumeric)"
        if IN_CI:
            pytest.fail(f"CI must run every test: {message}")
        pytest.skip(message)
    return found


RENDERERS = frozenset({"soffice", "ssconvert"})
"""Fixtures that start a spreadsheet program; a test using one (directly or through another fixture) is
marked ``libreoffice`` so that ``pytest -m "not libreoffice"`` runs the fast suite alone."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if RENDERERS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.libreoffice)


@pytest.fixture(scope="session")
def soffice() -> str:
    return require_tool("soffice", "LibreOffice headless recalculates and prints the workbooks")


@pytest.fixture(scope="session")
def ssconvert() -> str:
    return require_tool("ssconvert", "Gnumeric converts and recalculates the workbooks")


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    return require_tool("pdftoppm", "poppler renders PDF pages to PNG")


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as ``xlmv template`` writes it, built once per session."""
    from xlmv_workbook.template.build import write_template

    return write_template(tmp_path_factory.mktemp("template") / "模型券申报表.xlsx")


ARTEFACTS = Path(os.environ.get("XLMV_ARTEFACTS", Path(__file__).resolve().parent.parent / "artefacts"))
