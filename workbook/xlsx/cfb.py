"""Writing a Compound File Binary (OLE2) file, [MS-CFB] version 3, from a mapping of stream paths to bytes.

A ``vbaProject.bin`` is such a file. ``olefile`` reads them but cannot add a stream, so the macro-enabled
template (``xlsx.vba``) writes the whole container anew: 512-byte sectors, streams under 4,096 bytes in
the mini stream (64-byte sectors), every storage's children in a red-black tree ordered as [MS-CFB] 2.6.4
says (shorter names first, then by upper-cased UTF-16 code units), all its nodes black except the deepest
level of an incomplete tree, which is red. Sizes up to 109 FAT sectors (about 6.8 MB), far more than a VBA
project needs.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FAT_SECT, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1
_HEADER_DIFAT = 109


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    id: int = 0
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    colour: int = _BLACK
    start: int = END
    size: int = 0


def _key(name: str) -> tuple[int, str]:
    return len(name.encode("utf-16-le")) // 2, name.upper()


def _tree(nodes: list[_Entry], depth: int, deepest: int, perfect: bool) -> int:
    """Link ``nodes`` (sorted) as a balanced tree; returns the root's id."""
    if not nodes:
        return NO_STREAM
    middle = len(nodes) // 2
    node = nodes[middle]
    node.colour = _RED if depth == deepest and not perfect else _BLACK
    node.left = _tree(nodes[:middle], depth + 1, deepest, perfect)
    node.right = _tree(nodes[middle + 1 :], depth + 1, deepest, perfect)
    return node.id


def _depth(count: int) -> int:
    return max(count.bit_length() - 1, 0)


def _chain(fat: list[int], start: int, count: int) -> None:
    for n in range(count):
        fat[start + n] = start + n + 1 if n < count - 1 else END


def write_cfb(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (``"VBA/dir"``: storages by ``/``), its root named Root Entry."""
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        *folders, leaf = path.split("/")
        node = root
        for folder in folders:
            node = node.children.setdefault(folder, _Entry(folder, _STORAGE))
        node.children[leaf] = _Entry(leaf, _STREAM, data=data)

    entries: list[_Entry] = []

    def number(node: _Entry) -> None:
        node.id = len(entries)
        entries.append(node)
        for child in node.children.values():
            number(child)

    number(root)
    for node in entries:
        if node.children:
            ordered = sorted(node.children.values(), key=lambda e: _key(e.name))
            count = len(ordered)
            node.child = _tree(ordered, 0, _depth(count), count & (count + 1) == 0)

    # The mini stream: small streams in 64-byte sectors.
    mini = bytearray()
    mini_fat: list[int] = []
    for node in entries:
        if node.kind == _STREAM and len(node.data) < MINI_CUTOFF:
            node.size = len(node.data)
            if not node.data:
                node.start = END
                continue
            sectors = -(-len(node.data) // MINI_SECTOR)
            node.start = len(mini) // MINI_SECTOR
            mini += node.data + b"\0" * (sectors * MINI_SECTOR - len(node.data))
            mini_fat += [0] * sectors
            _chain(mini_fat, node.start, sectors)
    big = [n for n in entries if n.kind == _STREAM and len(n.data) >= MINI_CUTOFF]

    def sectors_of(size: int) -> int:
        return -(-size // SECTOR)

    directory_sectors = sectors_of(len(entries) * 128)
    mini_fat_sectors = sectors_of(len(mini_fat) * 4)
    mini_stream_sectors = sectors_of(len(mini))
    data_sectors = (
        directory_sectors + mini_fat_sectors + mini_stream_sectors + sum(sectors_of(len(n.data)) for n in big)
    )
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + data_sectors:
        fat_sectors += 1
    if fat_sectors > _HEADER_DIFAT:
        raise ValueError("compound file too large for this writer (more than 109 FAT sectors)")

    fat = [FREE] * (fat_sectors * (SECTOR // 4))
    for n in range(fat_sectors):
        fat[n] = FAT_SECT
    at = fat_sectors
    directory_start = at
    _chain(fat, at, directory_sectors)
    at += directory_sectors
    mini_fat_start = at if mini_fat_sectors else END
    _chain(fat, at, mini_fat_sectors)
    at += mini_fat_sectors
    root.start = at if mini_stream_sectors else END
    root.size = len(mini)
    _chain(fat, at, mini_stream_sectors)
    at += mini_stream_sectors
    for node in big:
        count = sectors_of(len(node.data))
        node.start, node.size = at, len(node.data)
        _chain(fat, at, count)
        at += count

    header = bytearray(SECTOR)
    struct.pack_into(
        "<8s16sHHHHH6sIIIIIIIII",
        header,
        0,
        _SIGNATURE,
        b"\0" * 16,
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 2**9
        6,  # mini sector shift: 2**6
        b"\0" * 6,
        0,  # directory sectors (0 in version 3)
        fat_sectors,
        directory_start,
        0,  # transaction signature
        MINI_CUTOFF,
        mini_fat_start,
        mini_fat_sectors,
        END,  # first DIFAT sector: none
        0,
    )
    difat = list(range(fat_sectors)) + [FREE] * (_HEADER_DIFAT - fat_sectors)
    struct.pack_into(f"<{_HEADER_DIFAT}I", header, 76, *difat)

    directory = bytearray()
    for node in entries:
        name = node.name.encode("utf-16-le") + b"\0\0"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            node.kind,
            node.colour,
            node.left,
            node.right,
            node.child,
            b"\0" * 16,
            0,
            0,
            0,
            node.start if node.start != END or node.kind != _STORAGE else 0,
            node.size,
        )
    empty = struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NO_STREAM, NO_STREAM, NO_STREAM, b"\0" * 16, 0, 0, 0, 0, 0
    )
    while len(directory) % SECTOR:
        directory += empty

    def padded(data: bytes | bytearray) -> bytes:
        return bytes(data) + b"\0" * (-len(data) % SECTOR)

    body = padded(struct.pack(f"<{len(fat)}I", *fat))
    body += padded(directory)
    if mini_fat:
        mini_fat += [FREE] * (-len(mini_fat) % (SECTOR // 4))
        body += padded(struct.pack(f"<{len(mini_fat)}I", *mini_fat))
    body += padded(mini)
    for node in big:
        body += padded(node.data)
    return bytes(header) + body
