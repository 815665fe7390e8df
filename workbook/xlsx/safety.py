"""Opening untrusted workbook files safely: checks that run before anything parses the file.

``open_checks`` looks at the bytes and the ZIP directory only, then streams every entry once through
zlib (bounded by the sizes the directory declares) and, in the same pass, feeds the first bytes of every
XML part to expat until its root element starts: any DTD there is refused. Only a file that passes is
handed to python-calamine or openpyxl. Every rejection is a ``WorkbookError`` whose Chinese message
names the file and says what to do.

All XML this package parses goes through ``parse_xml`` / ``iter_xml`` (defusedxml, DTDs forbidden:
Office never writes one, so any DTD is refused rather than parsed), or, where building elements would
be too slow (large worksheets), through ``stream_part``: plain expat callbacks with the same handlers
defusedxml sets to refuse DTDs and entities.
"""

from __future__ import annotations

import contextlib
import os
import struct
import xml.parsers.expat as expat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from xlmv.errors import os_reason

__all__ = [
    "DEFAULT_LIMITS",
    "OLE2_SIGNATURE",
    "StopParsing",
    "WorkbookError",
    "ZipLimits",
    "archive_errors",
    "check_zip_package",
    "iter_xml",
    "open_checks",
    "parse_xml",
    "read_part",
    "stream_part",
]

OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive's directory
WORKBOOK_PART = "xl/workbook.xml"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 16
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, (22 bytes), file name length, extra field length


class WorkbookError(ValueError):
    """A workbook file cannot be used; ``str()`` is ``<file>：<problem>`` in Chinese."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}：{problem}")


@dataclass(frozen=True)
class ZipLimits:
    """What a workbook's ZIP directory may declare before it is treated as a zip bomb."""

    max_total_size: int = 200 * 1024 * 1024  # uncompressed bytes, all entries together
    max_entries: int = 10_000
    max_ratio: int = 200  # uncompressed : compressed, per entry ...
    ratio_min_size: int = 1024 * 1024  # ... for entries larger than this (small entries cannot bomb)


DEFAULT_LIMITS = ZipLimits()


_UNSUPPORTED_VERSION = (
    "压缩包声明需要不受支持的 ZIP 版本才能解压（Excel 不会这样保存），"
    "文件可能是恶意构造或已损坏，请在 Excel 中重新保存"
)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


# --------------------------------------------------------------------------------------------- checks


def open_checks(path: str | os.PathLike[str], limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """Refuse a file that is missing, empty, legacy, encrypted, not a ZIP, corrupt, a zip bomb, not a
    workbook, or has a DTD in any XML part. Reads the file; never writes it."""
    p = Path(path)
    if not p.exists():
        raise WorkbookError(path, "文件不存在，请检查路径和文件名")
    if not p.is_file():
        raise WorkbookError(path, "不是文件（可能是文件夹），请给出 .xlsx 或 .xlsm 工作簿")
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
    except OSError as exc:
        raise WorkbookError(path, f"无法读取文件：{os_reason(exc)}") from None
    if size == 0:
        raise WorkbookError(path, "文件为空（0 字节），可能未保存完成，请重新保存后再试")
    suffix = p.suffix.lower()
    if head == OLE2_SIGNATURE:
        if suffix in (".xlsx", ".xlsm"):
            raise WorkbookError(path, "文件已加密（设有打开密码），请去除密码后重新保存为 .xlsx")
        raise WorkbookError(
            path,
            "是旧版 Excel 97-2003 工作簿（.xls）格式，不受支持；请在 Excel 中“另存为” .xlsx 后再试",
        )
    if not head.startswith(ZIP_SIGNATURES):
        raise WorkbookError(
            path, "不是 Excel 工作簿（.xlsx/.xlsm）：文件内容不是 ZIP 格式，可能已损坏或被改了扩展名"
        )
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            _check_directory(path, infos, limits)
            names = {i.filename for i in infos}
            if WORKBOOK_PART not in names:
                if "xl/workbook.bin" in names:
                    raise WorkbookError(
                        path, "是 Excel 二进制工作簿（.xlsb），不受支持；请另存为 .xlsx 后再试"
                    )
                raise WorkbookError(path, f"缺少 {WORKBOOK_PART}，不是有效的 Excel 工作簿（.xlsx/.xlsm）")
            with p.open("rb") as raw:
                for info in infos:
                    _verify_entry(path, raw, info)
    except zipfile.BadZipFile as exc:
        raise WorkbookError(path, f"文件已损坏（ZIP 结构无效：{exc}），请重新保存或重新获取该文件") from None
    except NotImplementedError:  # zipfile: an entry needs a ZIP version it cannot extract
        raise WorkbookError(path, _UNSUPPORTED_VERSION) from None
    except OSError as exc:
        raise WorkbookError(path, f"无法读取文件：{os_reason(exc)}") from None


def _check_directory(path: str | os.PathLike[str], infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_entries:
        raise WorkbookError(
            path, f"压缩包内有 {len(infos)} 个条目，超过上限 {limits.max_entries}，疑似压缩炸弹，已拒绝打开"
        )
    total = 0
    for info in infos:
        if info.extract_version > zipfile.MAX_EXTRACT_VERSION:
            raise WorkbookError(path, f"{_UNSUPPORTED_VERSION}（条目 {info.filename}）")
        if info.flag_bits & 0x1:
            raise WorkbookError(path, f"压缩包条目 {info.filename} 已加密，请去除密码后重新保存为 .xlsx")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookError(
                path, f"压缩包条目 {info.filename} 使用了 Excel 不会使用的压缩方式，已拒绝打开"
            )
        total += info.file_size
        if total > limits.max_total_size:
            raise WorkbookError(
                path, f"解压后总大小超过 {_mib(limits.max_total_size)}，疑似压缩炸弹，已拒绝打开"
            )
        if info.file_size > limits.ratio_min_size:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise WorkbookError(
                    path,
                    f"压缩包条目 {info.filename} 的压缩比 {ratio:.0f}:1 超过 {limits.max_ratio}:1，"
                    "疑似压缩炸弹，已拒绝打开",
                )


def _verify_entry(path: str | os.PathLike[str], raw: IO[bytes], info: zipfile.ZipInfo) -> None:
    """Decompress one entry from its raw bytes, never producing more than the directory declares, and
    check its size and CRC: a corrupt entry, or one whose real size differs from the directory's (a
    bomb hiding behind a small declared size), is refused before any parser sees it. An XML part's
    first bytes go through ``_Prolog`` on the way (one decompression for both checks)."""
    prolog = _Prolog(path, info.filename) if info.filename.lower().endswith(_XML_SUFFIXES) else None
    corrupt = WorkbookError(path, f"文件已损坏（条目 {info.filename} 数据错误），请重新保存或重新获取该文件")
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise corrupt
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise corrupt
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, produced, crc = info.compress_size, 0, 0
    try:
        while left:
            chunk = raw.read(min(_CHUNK, left))
            if not chunk:
                raise corrupt
            left -= len(chunk)
            while chunk:
                if inflater is None:
                    out, chunk = chunk, b""
                else:
                    out = inflater.decompress(chunk, _CHUNK)
                    chunk = inflater.unconsumed_tail
                produced += len(out)
                if produced > info.file_size:
                    raise WorkbookError(
                        path,
                        f"压缩包条目 {info.filename} 的实际大小超过其声明的大小，疑似压缩炸弹，已拒绝打开",
                    )
                crc = zlib.crc32(out, crc)
                if prolog is not None and out:
                    prolog.feed(out)
                    if prolog.done:
                        prolog = None
                if inflater is not None and inflater.eof:
                    break
        if inflater is not None and not inflater.eof:
            raise corrupt
    except zlib.error:
        raise corrupt from None
    if produced != info.file_size or crc != info.CRC:
        raise corrupt
    if prolog is not None:
        prolog.finish()


def _refuse_dtd(parser: expat.XMLParserType, refuse: Callable[..., None]) -> None:
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse


class _RootStarted(Exception):
    """Raised by the expat handler at the root element: the prolog is over."""


class _Prolog:
    """An XML part parsed up to its root element: a DTD (entity declarations, billion laughs, external
    entities) can only come before it. Plain expat with the handlers defusedxml's ``forbid_dtd`` sets,
    fed the bytes as they are decompressed; parsing stops at the root's start tag."""

    def __init__(self, path: str | os.PathLike[str], part: str) -> None:
        self.path, self.part, self.done = path, part, False
        self._parser = expat.ParserCreate()
        _refuse_dtd(self._parser, self._forbidden)
        self._parser.StartElementHandler = self._root

    def _forbidden(self, *args: object) -> None:
        raise _dtd_error(self.path, self.part)

    def _root(self, *args: object) -> None:
        raise _RootStarted

    def feed(self, data: bytes, final: bool = False) -> None:
        try:
            self._parser.Parse(data, final)
        except _RootStarted:
            self.done = True
        except expat.ExpatError as exc:
            raise WorkbookError(
                self.path, f"部件 {self.part} 不是有效的 XML（{exc}），文件可能已损坏"
            ) from None

    def finish(self) -> None:
        """The part ended before its root element started: not XML (the parser says why)."""
        self.feed(b"", final=True)
        if not self.done:
            raise WorkbookError(self.path, f"部件 {self.part} 不是有效的 XML（没有根元素），文件可能已损坏")


@contextlib.contextmanager
def archive_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Any exception the ZIP or XML layers raise while a file is read becomes a ``WorkbookError`` that
    names the file (``无法读取…``): ``zipfile`` alone raises ``BadZipFile``, ``NotImplementedError``
    (an unsupported ZIP version or compression), ``EOFError``, ``RuntimeError`` (encryption) and
    ``zlib.error``, expat its ``ExpatError``."""
    try:
        yield
    except WorkbookError:
        raise
    except OSError as exc:
        raise WorkbookError(path, f"无法读取文件：{os_reason(exc)}") from None
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        RuntimeError,
        zlib.error,
        expat.ExpatError,
        ParseError,
        UnicodeError,
        KeyError,
    ) as exc:
        raise WorkbookError(
            path, f"文件结构已损坏或使用了不支持的格式（{type(exc).__name__}），请在 Excel 中重新保存"
        ) from None


# ------------------------------------------------------------------------------------------------ XML


def _dtd_error(path: str | os.PathLike[str], part: str) -> WorkbookError:
    return WorkbookError(path, f"部件 {part} 含有 DTD 或实体声明（可能是恶意构造的文件），已拒绝打开")


def _xml_error(path: str | os.PathLike[str], part: str, exc: Exception) -> WorkbookError:
    if isinstance(exc, DefusedXmlException):
        return _dtd_error(path, part)
    return WorkbookError(path, f"部件 {part} 不是有效的 XML（{exc}），文件可能已损坏")


def read_part(path: str | os.PathLike[str], zf: zipfile.ZipFile, part: str) -> bytes:
    """The bytes of one ZIP entry; a missing entry is a ``WorkbookError``."""
    try:
        return zf.read(part)
    except KeyError:
        raise WorkbookError(path, f"缺少部件 {part}，文件不是完整的 Excel 工作簿") from None


def parse_xml(path: str | os.PathLike[str], part: str, data: bytes) -> Element:
    """A whole XML part, parsed by defusedxml with DTDs forbidden."""
    try:
        return DefusedET.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as exc:
        raise _xml_error(path, part, exc) from None


def iter_xml(path: str | os.PathLike[str], zf: zipfile.ZipFile, part: str) -> Iterator[tuple[str, Element]]:
    """Stream an XML part's ``start``/``end`` events (defusedxml, DTDs forbidden)."""
    try:
        with zf.open(part) as fh:
            yield from DefusedET.iterparse(fh, events=("start", "end"), forbid_dtd=True)
    except KeyError:
        raise WorkbookError(path, f"缺少部件 {part}，文件不是完整的 Excel 工作簿") from None
    except (DefusedXmlException, ParseError) as exc:
        raise _xml_error(path, part, exc) from None


class StopParsing(Exception):
    """Raised by a ``stream_part`` handler to end the parse early (the rest of the part is not read)."""


def stream_part(
    path: str | os.PathLike[str],
    zf: zipfile.ZipFile,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None,
    text: Callable[[str], None],
    *,
    namespaces: bool = False,
    cut: Callable[[bytes], int] | None = None,
) -> None:
    """Stream an XML part through expat callbacks (DTDs and entities refused). Element and attribute
    names are as written (``x:c``), or with ``namespaces`` as ``uri}local`` (ElementTree's ``{uri}local``
    without the brace). No elements are built, so a large worksheet costs only the callbacks.

    ``cut(data)``, when given, sees the whole part and returns the offset where parsing may end early
    (nothing the caller needs can follow it), or -1 to parse it all; a part cut short is not checked for
    well-formedness after the cut."""
    parser = expat.ParserCreate(namespace_separator="}") if namespaces else expat.ParserCreate()

    def refuse(*args: object) -> None:
        raise _dtd_error(path, part)

    _refuse_dtd(parser, refuse)
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:  # fewer callbacks when the caller does not need them
        parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        if cut is not None:
            data = read_part(path, zf, part)
            stop = cut(data)
            if stop >= 0:
                parser.Parse(data[:stop], False)
            else:
                parser.Parse(data, True)
            return
        with zf.open(part) as fh:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except StopParsing:
        return
    except KeyError:
        raise WorkbookError(path, f"缺少部件 {part}，文件不是完整的 Excel 工作簿") from None
    except expat.ExpatError as exc:
        raise WorkbookError(path, f"部件 {part} 不是有效的 XML（{exc}），文件可能已损坏") from None


def check_zip_package(path: str | os.PathLike[str], limits: ZipLimits = DEFAULT_LIMITS) -> None:
    """The zip-bomb, encryption, corruption and DTD checks of ``open_checks`` for any ZIP package (OFD
    documents): the directory's limits, then every entry streamed once through zlib. Raises
    ``WorkbookError``; ``zipfile.BadZipFile`` and ``OSError`` pass through for the caller to word."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    _check_directory(path, infos, limits)
    with Path(path).open("rb") as raw:
        for info in infos:
            _verify_entry(path, raw, info)
