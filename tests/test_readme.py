"""The README documents the template's interface: every input's defined name is listed there."""

from __future__ import annotations

import re
from pathlib import Path

from xlmv_workbook.template import layout

README = Path(__file__).resolve().parent.parent / "README.md"


def _pattern(name: str) -> str:
    name = re.sub(r"MV_P\d_", "MV_P{n}_", name)
    name = re.sub(r"_S\d_", "_S{s}_", name)
    return re.sub(r"_CHECK_\d$", "_CHECK_{i}", name)


def test_every_defined_name_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    missing = sorted(
        {_pattern(f.name) for f in layout.fields()} - set(re.findall(r"`(_?MV_[A-Z0-9_{}a-z]+)`", text))
    )
    assert not missing, f"README lacks defined names: {missing}"


def test_readme_has_exactly_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    quick_start = text.split("### 常用命令")[0]
    commands = [
        line
        for line in re.findall(r"```bash\n(.*?)```", quick_start, re.S)[0].splitlines()
        if line and not line.startswith("#")
    ]
    assert commands == [
        "python3 -m pip install -e . && xlmv demo --out xlmv-示例",
        "python3 -m pip install -e '.[test]' && python3 -m pytest -q",
    ]


def test_readme_shows_the_exported_form_made_by_the_script() -> None:
    text = README.read_text(encoding="utf-8")
    (image,) = re.findall(r"!\[[^\]]*\]\((docs/[^)]+\.png)\)", text)
    png = README.parent / image
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size < 200_000
    script = README.parent / "docs" / "render_readme_png.py"
    assert "docs/render_readme_png.py" in text and script.is_file()
    assert png.name in script.read_text(encoding="utf-8")  # the script writes this very file


def test_readme_explains_the_fast_suite() -> None:
    text = README.read_text(encoding="utf-8")
    assert 'pytest -m "not libreoffice"' in text and "--durations=10" in text
