"""Tests for xlmv_workbook.xlsx.safety: untrusted files are refused with a clear Chinese message before parsing."""

from __future__ import annotations

import random
import struct
import zipfile
from pathlib import Path

import pytest
from workbooks import sha256, write_workbook, zip_with

from xlmv_workbook.read.bookxml import read_defined_names
from xlmv_workbook.xlsx.cellrefs import parse_ref
from xlmv_workbook.xlsx.safety import OLE2_SIGNATURE, WorkbookError, ZipLimits, open_checks

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
WORKBOOK_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="申报表" sheetId="1" r:id="rId1"/></sheets>{names}</workbook>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n' for n in range(1, 10)
    )
    + ']>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol9;</workbook>'
)


def refused(path: Path, *fragments: str, limits: ZipLimits | None = None) -> WorkbookError:
    before = sha256(path) if path.is_file() else None
    with pytest.raises(WorkbookError) as caught:
        if limits is None:
            open_checks(path)
        else:
            open_checks(path, limits)
    message = str(caught.value)
    assert message.startswith(f"{path}：")  # names the file
    for fragment in fragments:
        assert fragment in message
    if before is not None:
        assert sha256(path) == before
    return caught.value


@pytest.fixture
def valid(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "申报表.xlsx")


def test_valid_workbook_passes(valid: Path) -> None:
    before = sha256(valid)
    open_checks(valid)
    assert sha256(valid) == before


def test_missing_file_and_folder(tmp_path: Path) -> None:
    refused(tmp_path / "没有这个文件.xlsx", "文件不存在")
    refused(tmp_path, "不是文件")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    refused(path, "文件为空")


def test_legacy_xls(tmp_path: Path) -> None:
    path = tmp_path / "旧版.xls"
    path.write_bytes(OLE2_SIGNATURE + bytes(504))
    refused(path, "旧版 Excel 97-2003", ".xls", "另存为")


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_ole_header_with_xlsx_name_is_encrypted(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"加密{suffix}"
    path.write_bytes(OLE2_SIGNATURE + bytes(504))
    refused(path, "文件已加密（设有打开密码），请去除密码后重新保存为 .xlsx")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "随机.xlsx"
    path.write_bytes(random.Random(7).randbytes(4096))
    refused(path, "不是 ZIP 格式")


def test_truncated_zip(tmp_path: Path, valid: Path) -> None:
    data = valid.read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    refused(path, "文件已损坏")


def test_corrupt_entry_data(tmp_path: Path, valid: Path) -> None:
    data = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 100, start + 140):
        data[offset] ^= 0x5A
    path = tmp_path / "损坏.xlsx"
    path.write_bytes(bytes(data))
    refused(path, "文件已损坏")


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    path = zip_with(
        tmp_path / "炸弹.xlsx",
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": WORKBOOK_XML.format(names=""),
            "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024),
        },
    )
    refused(path, "压缩比", "疑似压缩炸弹")


def test_zip_bomb_by_entry_count(tmp_path: Path) -> None:
    path = tmp_path / "条目.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", WORKBOOK_XML.format(names=""))
        for n in range(10_001):
            zf.writestr(f"x/{n}", b"")
    refused(path, "10002 个条目", "疑似压缩炸弹")


def test_zip_bomb_by_total_size(tmp_path: Path) -> None:
    path = zip_with(
        tmp_path / "总量.xlsx",
        {"xl/workbook.xml": WORKBOOK_XML.format(names=""), "a": random.Random(1).randbytes(300_000)},
    )
    refused(path, "解压后总大小超过", limits=ZipLimits(max_total_size=200_000))


def test_entry_larger_than_its_directory_says(tmp_path: Path) -> None:
    """A bomb hiding behind a small declared size: the real stream is longer than the directory says."""
    path = zip_with(
        tmp_path / "谎报.xlsx",
        {"xl/workbook.xml": WORKBOOK_XML.format(names=""), "xl/big.xml": b"<a/>" + b" " * 400_000},
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/big.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    central = data.rindex(b"PK\x01\x02")  # the last entry's central directory record
    struct.pack_into("<I", data, central + 24, 1000)
    path.write_bytes(bytes(data))
    refused(path, "实际大小超过其声明的大小")


def test_missing_workbook_part(tmp_path: Path) -> None:
    path = zip_with(tmp_path / "缺部件.xlsx", {"[Content_Types].xml": CONTENT_TYPES})
    refused(path, "缺少 xl/workbook.xml")


def test_billion_laughs_workbook_xml(tmp_path: Path) -> None:
    path = zip_with(
        tmp_path / "笑.xlsx", {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": BILLION_LAUGHS}
    )
    refused(path, "xl/workbook.xml", "DTD 或实体声明")


def test_external_entity_in_any_part(tmp_path: Path, valid: Path) -> None:
    """Every XML part is checked, also those only calamine would parse (styles)."""
    path = tmp_path / "外部实体.xlsx"
    with zipfile.ZipFile(valid) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/styles.xml":
                body = b'<!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + body
            target.writestr(info, body)
    refused(path, "xl/styles.xml", "DTD 或实体声明")


def test_malformed_xml_part(tmp_path: Path) -> None:
    path = zip_with(tmp_path / "坏XML.xlsx", {"xl/workbook.xml": "<workbook"})
    refused(path, "xl/workbook.xml", "不是有效的 XML")


# ------------------------------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'申报表'!$B$4", ("申报表", "B4")),
        ("申报表!$G$5", ("申报表", "G5")),
        ("Sheet1!B4", ("Sheet1", "B4")),
        ("'It''s here'!$c$7", ("It's here", "C7")),
        ("'申报表'!$B$4:$D$4", ("申报表", "B4")),  # a merged input: its top-left cell
        ("#REF!", None),
        ("'申报表'!#REF!", None),
        ("[1]Sheet1!$A$1", None),
        ("'申报表'!$A:$A", None),
        ("'申报表'!$B$4,'申报表'!$B$5", None),
        ('"xlmv-declaration"', None),
        ("=SUM(A1:A2)", None),
    ],
)
def test_parse_ref(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_ref(text) == expected


def test_read_defined_names_scopes(tmp_path: Path) -> None:
    names = (
        "<definedNames>"
        "<definedName name=\"MV_A\">'申报表'!$B$4</definedName>"
        '<definedName name="MV_B">申报表!$G$5</definedName>'
        '<definedName name="MV_LOCAL" localSheetId="0">\'申报表\'!$B$6</definedName>'
        "<definedName name=\"_xlnm.Print_Area\">'申报表'!$A$1:$I$90</definedName>"
        '<definedName name="MV_BROKEN">#REF!</definedName>'
        "</definedNames>"
    )
    path = zip_with(
        tmp_path / "名称.xlsx",
        {"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK_XML.format(names=names)},
    )
    assert read_defined_names(path) == {"MV_A": ("申报表", "B4"), "MV_B": ("申报表", "G5")}


def test_read_defined_names_of_the_template(valid: Path) -> None:
    names = read_defined_names(valid)
    assert names["MV_TEMPLATE_ID"][1] and names["_MV_USCC"] == ("申报表", "G4")
