"""Export file names: safe on every file system whatever the applicant typed, and never over an existing file."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmv_workbook.export.filenames import (
    FALLBACK,
    MAX_STEM_BYTES,
    export_stem,
    free_stem,
    is_reserved,
    safe_stem,
    write_new,
)

HOSTILE = {
    "traversal": "../../etc/passwd",
    "windows traversal": "..\\..\\Windows\\System32\\drivers",
    "device": "CON",
    "device with extension": "nul.txt",
    "device lower case": "com1",
    "reserved characters": "a:b*c?",
    "all reserved characters": '<>:"/\\|?*',
    "300 Chinese characters": "北京" * 150,
    "empty": "",
    "only dots and spaces": " . .. ",
    "control characters": "公司\x00\x07\t\r\n名称\x1f",
    "bidi override": "公司\u202egpj.exe",
    "trailing dot": "北京某某有限公司...",
    "leading dash": "-rf 公司",
}


def assert_safe(stem: str) -> None:
    assert stem
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert not any(ch in '<>:"/\\|?*' for ch in stem)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in stem)
    assert stem == stem.strip(" .")
    assert not stem.startswith(("-", "."))
    assert not is_reserved(stem)
    assert stem == unicodedata.normalize("NFC", stem)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_names_become_safe_stems(text: str, tmp_path: Path) -> None:
    stem = safe_stem(text)
    assert_safe(stem)
    target = tmp_path / f"{stem}.xlsx"
    target.write_bytes(b"x")  # a real file system accepts it, inside the folder asked for
    assert target.resolve().parent == tmp_path.resolve()
    company = export_stem(text, "智能客服平台")
    assert_safe(company)
    assert company.endswith("智能客服平台-模型券申报")


def test_what_the_hostile_names_become() -> None:
    assert safe_stem("../../etc/passwd") == "etcpasswd"
    assert safe_stem("a:b*c?") == "abc"
    assert safe_stem("CON") == "_CON"
    assert safe_stem("nul.txt") == "_nul.txt"
    assert safe_stem("LPT9 .tar.gz") == "_LPT9 .tar.gz"
    assert safe_stem("CONSOLE") == "CONSOLE"  # only the exact device names are reserved
    assert safe_stem("") == FALLBACK == "模型券申报"
    assert safe_stem('<>:"/\\|?*') == FALLBACK
    assert safe_stem("公司\x00\t名称\n") == "公司 名称"


def test_long_names_are_cut_on_a_character_boundary() -> None:
    stem = safe_stem("北京" * 150)
    assert stem == "北京" * 20  # 40 characters × 3 bytes = 120 bytes
    assert len(stem.encode("utf-8")) == MAX_STEM_BYTES
    long_company = export_stem("北京" * 150, "智能客服平台")
    assert long_company.startswith("北京北京") and long_company.endswith("-智能客服平台-模型券申报")
    assert len(long_company.encode("utf-8")) <= MAX_STEM_BYTES
    both_long = export_stem("北京" * 150, "产品" * 150)
    assert both_long.count("北京") >= 8 and both_long.count("产品") >= 8
    assert both_long.endswith("-模型券申报") and len(both_long.encode("utf-8")) <= MAX_STEM_BYTES
    mixed = safe_stem("a" + "北" * 200)  # 1 + 3n bytes: the cut never splits a character
    assert mixed.encode("utf-8").decode("utf-8") == mixed
    assert len(mixed.encode("utf-8")) == 118


def test_export_stem_joins_company_and_first_product() -> None:
    assert (
        export_stem("北京智算示例科技有限公司", "智能投顾助手")
        == "北京智算示例科技有限公司-智能投顾助手-模型券申报"
    )
    assert export_stem("", "") == "模型券申报"
    assert export_stem("北京某公司", "") == "北京某公司-模型券申报"
    assert export_stem("", "产品") == "产品-模型券申报"
    assert export_stem("CON", "") == "CON-模型券申报"  # no longer a device name
    assert export_stem("../../etc/passwd", "a:b*c?") == "etcpasswd-abc-模型券申报"


@given(st.text())
def test_any_text_gives_a_safe_stem(text: str) -> None:
    assert_safe(safe_stem(text))
    assert_safe(export_stem(text, text))


# ------------------------------------------------------------------------------------------ writing


def test_write_new_never_replaces_a_file(tmp_path: Path) -> None:
    first = write_new(tmp_path, "申报", ".xlsx", b"one")
    second = write_new(tmp_path, "申报", ".xlsx", b"two")
    third = write_new(tmp_path, "申报", ".xlsx", b"three")
    assert [p.name for p in (first, second, third)] == ["申报.xlsx", "申报 (2).xlsx", "申报 (3).xlsx"]
    assert [p.read_bytes() for p in (first, second, third)] == [b"one", b"two", b"three"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "申报 (2).xlsx",
        "申报 (3).xlsx",
        "申报.xlsx",
    ]  # no temp left


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    path = write_new(tmp_path, "申报", ".xlsx", b"x")
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_free_stem_looks_at_every_suffix(tmp_path: Path) -> None:
    (tmp_path / "申报.pdf").write_bytes(b"old")
    assert free_stem(tmp_path, "申报", (".xlsx", ".pdf")) == "申报 (2)"
    assert free_stem(tmp_path, "申报", (".xlsx",)) == "申报"


def test_write_new_creates_the_folder(tmp_path: Path) -> None:
    path = write_new(tmp_path / "新" / "文件夹", "申报", ".xlsx", b"x")
    assert path.read_bytes() == b"x"
