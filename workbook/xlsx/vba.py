"""Adding modules to an existing ``vbaProject.bin`` without Excel ([MS-OVBA]).

The macro-enabled template starts from the VBA project xlwings ships in ``quickstart_standalone.xlsm``
(BSD 3-clause; its ``xlwings`` module keeps its licence header): ``ThisWorkbook``, ``Sheet1``,
``Sheet2``, ``Module1``, the standalone ``xlwings`` module (which defines ``XLPy``) and ``Dictionary``.
``add_modules`` adds procedural modules (the xlmv UDF wrappers) and document modules (one per extra
sheet, so every sheet's ``codeName`` has its module) by

- writing each module's source as a compressed container ([MS-OVBA] 2.4.1) at offset 0 of its stream,
  with no compiled code: xlwings' project already carries the version-independent ``_VBA_PROJECT``
  stream (version 0xFFFF), so Excel compiles every module from its source when it opens the file;
- adding a MODULE record per module to the ``dir`` stream and raising PROJECTMODULES' count;
- listing the module in the ``PROJECT`` stream (``Module=`` / ``Document=``) and in ``PROJECTwm``;
- writing the compound file anew (``xlsx.cfb``).

``modules`` lists what a project holds (name, type, source) by reading the streams back; the tests also
list them with oletools' olevba, an independent reader.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import olefile

from xlmv_workbook.xlsx.cfb import write_cfb

_CHUNK = 4096
_PROCEDURAL, _DOCUMENT = 0x0021, 0x0022
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
"""The VB_Base of a worksheet's document module (what Excel writes for Sheet1)."""
_CODEPAGE = "cp1252"  # the project's PROJECTCODEPAGE (1252 in xlwings' project); module names are ASCII


@dataclass(frozen=True)
class Module:
    """A module to add: ``document`` modules belong to a worksheet whose ``codeName`` is ``name``."""

    name: str
    source: str
    document: bool = False


def document_module(code_name: str) -> Module:
    """A worksheet's empty document module, as Excel writes one."""
    lines = (
        f'Attribute VB_Name = "{code_name}"',
        f'Attribute VB_Base = "{SHEET_BASE}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    )
    return Module(code_name, "\r\n".join(lines) + "\r\n", document=True)


# ------------------------------------------------------------------------------------- compression


def _copy_token_bits(position: int) -> int:
    """[MS-OVBA] 2.4.1.3.19.1: the offset bits of a copy token at ``position`` in the chunk."""
    bits = max((position - 1).bit_length(), 4)
    return min(bits, 12)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    position = 0
    seen: dict[bytes, list[int]] = {}
    while position < len(chunk):
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if position >= len(chunk):
                break
            bits = _copy_token_bits(position)
            longest = (0xFFFF >> bits) + 3
            best_length, best_start = 0, 0
            for start in reversed(seen.get(chunk[position : position + 3], [])):
                if position - start > (1 << bits):
                    break
                length = 0
                while (
                    length < longest
                    and position + length < len(chunk)
                    and chunk[start + length] == chunk[position + length]
                ):
                    length += 1
                if length > best_length:
                    best_length, best_start = length, start
                    if length == longest:
                        break
            step = best_length if best_length >= 3 else 1
            if best_length >= 3:
                token = ((position - best_start - 1) << (16 - bits)) | (best_length - 3)
                out += struct.pack("<H", token)
                out[flag_at] |= 1 << bit
            else:
                out.append(chunk[position])
            for n in range(position, position + step):
                seen.setdefault(chunk[n : n + 3], []).append(n)
            position += step
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer ([MS-OVBA] 2.4.1.3.7) holding ``data``."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        body = _compress_chunk(chunk)
        if len(body) >= _CHUNK and len(chunk) == _CHUNK:  # incompressible: a raw chunk of 4096 bytes
            out += struct.pack("<H", 0x3000 | (_CHUNK + 2 - 3)) + chunk
        else:
            out += struct.pack("<H", 0x8000 | 0x3000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """The bytes a CompressedContainer holds ([MS-OVBA] 2.4.1.3.1); the tests compare with oletools'."""
    if not data or data[0] != 1:
        raise ValueError("not a compressed VBA container")
    out = bytearray()
    at = 1
    while at < len(data):
        (header,) = struct.unpack_from("<H", data, at)
        size, compressed = (header & 0x0FFF) + 3, bool(header & 0x8000)
        end = min(at + size, len(data))
        at += 2
        start = len(out)
        if not compressed:
            out += data[at : at + _CHUNK]
            at += _CHUNK
            continue
        while at < end:
            flags = data[at]
            at += 1
            for bit in range(8):
                if at >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[at])
                    at += 1
                    continue
                (token,) = struct.unpack_from("<H", data, at)
                at += 2
                bits = _copy_token_bits(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
        at = end
    return bytes(out)


# ------------------------------------------------------------------------------------- the dir stream


def _records(data: bytes) -> list[tuple[int, bytes]]:
    """The dir stream's records as (id, payload); PROJECTVERSION's size field says 4 but it holds 6."""
    records, at = [], 0
    while at < len(data):
        ident, size = struct.unpack_from("<HI", data, at)
        if ident == 0x0009:
            size = 6
        records.append((ident, data[at + 6 : at + 6 + size]))
        at += 6 + size
    return records


def _record(ident: int, payload: bytes) -> bytes:
    size = 4 if ident == 0x0009 else len(payload)
    return struct.pack("<HI", ident, size) + payload


def _module_records(module: Module) -> list[tuple[int, bytes]]:
    name, wide = module.name.encode(_CODEPAGE), module.name.encode("utf-16-le")
    return [
        (0x0019, name),  # MODULENAME
        (0x0047, wide),  # MODULENAMEUNICODE
        (0x001A, name),  # MODULESTREAMNAME
        (0x0032, wide),
        (0x001C, b""),  # MODULEDOCSTRING
        (0x0048, b""),
        (0x0031, struct.pack("<I", 0)),  # MODULEOFFSET: the source starts the stream
        (0x001E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
        (0x002C, struct.pack("<H", 0xFFFF)),  # MODULECOOKIE
        (_DOCUMENT if module.document else _PROCEDURAL, b""),
        (0x002B, b""),  # MODULE terminator
    ]


def _with_modules(dir_stream: bytes, added: list[Module]) -> bytes:
    records = _records(dir_stream)
    out = bytearray()
    for ident, payload in records:
        if ident == 0x000F:  # PROJECTMODULES
            (count,) = struct.unpack("<H", payload)
            payload = struct.pack("<H", count + len(added))
        if ident == 0x0010:  # the dir stream's terminator: the new modules go before it
            for module in added:
                for rid, data in _module_records(module):
                    out += _record(rid, data)
        out += _record(ident, payload)
    return bytes(out)


def _project_text(text: bytes, added: list[Module]) -> bytes:
    lines = text.split(b"\r\n")
    last = max(n for n, line in enumerate(lines) if line.startswith((b"Module=", b"Document=", b"Class=")))
    entries = [
        (f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}").encode(_CODEPAGE)
        for m in added
    ]
    workspace = [f"{m.name}=0, 0, 0, 0, C".encode(_CODEPAGE) for m in added]
    lines[last + 1 : last + 1] = entries
    if b"[Workspace]" in lines:
        at = lines.index(b"[Workspace]") + 1
        while at < len(lines) and lines[at]:
            at += 1
        lines[at:at] = workspace
    return b"\r\n".join(lines)


def _name_map(data: bytes, added: list[Module]) -> bytes:
    body = data[:-2] if data.endswith(b"\0\0") else data
    for module in added:
        body += module.name.encode(_CODEPAGE) + b"\0" + module.name.encode("utf-16-le") + b"\0\0"
    return body + b"\0\0"


# ------------------------------------------------------------------------------------- the project


def _streams(project: bytes) -> dict[str, bytes]:
    ole = olefile.OleFileIO(io.BytesIO(project))
    try:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    finally:
        ole.close()


def add_modules(project: bytes, modules: Iterable[Module]) -> bytes:
    """``project`` (a vbaProject.bin) with ``modules`` added; a name already there is an error."""
    streams = _streams(project)
    added = list(modules)
    present = {name.removeprefix("VBA/").upper() for name in streams if name.startswith("VBA/")}
    for module in added:
        if module.name.upper() in present:
            raise ValueError(f"the VBA project already has a module {module.name}")
    streams["VBA/dir"] = compress(_with_modules(decompress(streams["VBA/dir"]), added))
    streams["PROJECT"] = _project_text(streams["PROJECT"], added)
    streams["PROJECTwm"] = _name_map(streams["PROJECTwm"], added)
    for module in added:
        streams[f"VBA/{module.name}"] = compress(module.source.encode(_CODEPAGE))
    return write_cfb(streams)


@dataclass(frozen=True)
class ListedModule:
    name: str
    document: bool
    source: str


def modules(project: bytes) -> list[ListedModule]:
    """Every module of a vbaProject.bin as its ``dir`` stream lists it, with its source."""
    streams = _streams(project)
    listed: list[ListedModule] = []
    name, offset, kind = "", 0, _PROCEDURAL
    for ident, payload in _records(decompress(streams["VBA/dir"])):
        if ident == 0x001A:
            name = payload.decode(_CODEPAGE)
        elif ident == 0x0031:
            (offset,) = struct.unpack("<I", payload)
        elif ident in (_PROCEDURAL, _DOCUMENT):
            kind = ident
        elif ident == 0x002B:
            source = decompress(streams[f"VBA/{name}"][offset:]).decode(_CODEPAGE)
            listed.append(ListedModule(name, kind == _DOCUMENT, source))
    return listed
