"""Fuzzing the readers and ``xlmv batch`` with mutated real workbooks (a fixed seed, a few hundred cases).

Each case starts from a real filled template and breaks it one way: bytes of the ZIP flipped, inserted or
deleted, the file truncated, XML text inside an entry replaced with junk (markup, entities, a DTD, control
characters), cell values in the sheet XML swapped for random strings, numbers, huge values and error
types, cell references moved far away, or input cells filled with random values through openpyxl. For
every case ``read_workbook`` either reads the file or raises ``WorkbookError``, nothing else; then
``xlmv batch`` over all of them, in this process and as a command, reports every file without an
unexpected error or a traceback, and no input changes by a byte.

Random mutations depend on the seed files' bytes (one byte changed in the template can move a mutation
away from the case that matters), so the corpus also holds the structural cases, built from whatever the
seeds contain: on every worksheet, the last cell holding a value moved to an 8-digit row (``B99999999``),
past the last column, to row 0, lower case, or empty; a ``<row r=…>`` beyond the grid; and ZIP entries
declaring an unsupported version (16.2) in the central directory. Every structural case must be refused
with a ``WorkbookError`` naming the file, read in a process of its own so that an abort is a failure.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_batch import A, api, application, private, write
from workbooks import fill, new_template, sha256

from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.read.validate import evaluate
from xlmv_workbook.review.batch import run_batch
from xlmv_workbook.template import layout
from xlmv_workbook.xlsx.safety import WorkbookError

SEED = 20240901
BYTE_CASES = 160
XML_CASES = 130
VALUE_CASES = 12

JUNK = [
    "<",
    ">",
    "&",
    "&amp;",
    "&#0;",
    "&#x1F600;",
    "&undefined;",
    '"',
    "'",
    "]]>",
    "<![CDATA[",
    "<!--",
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    "<c r='XFD1048576'><v>1</v></c>",
    "\x01",
    "\x7f",
    "\u200b",
    "申报",
    "𠀀",
    "#N/A",
    "1e308",
    "-1",
    "9" * 40,
    " ",
    "</sheetData>",
    "<row r='1048576'>",
]
VALUES = [
    "",
    "abc",
    "-5",
    "1e308",
    "NaN",
    "9" * 400,
    "#N/A",
    "#DIV/0!",
    "45747.5",
    "-0",
    "1,000",
    "0x10",
    "TRUE",
]
TYPES = ['t="e"', 't="b"', 't="s"', 't="d"', 't="str"', 't="inlineStr"', 't="n"', 't="?"']
REFS = ['r="XFD1048576"', 'r="A0"', 'r="ZZZZ1"', 'r="B99999999"', 'r=""', 'r="Z1"']


def _rezip(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def byte_mutation(rng: random.Random, data: bytes) -> bytes:
    kind = rng.choice(["flip", "insert", "delete", "truncate"])
    buf = bytearray(data)
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] ^= rng.randrange(1, 256)
    elif kind == "insert":
        at = rng.randrange(len(buf))
        buf[at:at] = rng.randbytes(rng.randint(1, 50))
    elif kind == "delete":
        at = rng.randrange(len(buf))
        del buf[at : at + rng.randint(1, 200)]
    else:
        del buf[rng.randrange(len(buf)) :]
    return bytes(buf)


def xml_mutation(rng: random.Random, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = [n for n in zf.namelist() if n.endswith((".xml", ".rels"))]
    sheets = [n for n in parts if n.startswith("xl/worksheets/")]
    kind = rng.choice(["junk", "values", "types", "refs"])
    target = rng.choice(parts if kind == "junk" else sheets)

    def change(name: str, body: bytes) -> bytes:
        if name != target:
            return body
        text = body.decode("utf-8")
        if kind == "junk":
            at = rng.randrange(len(text))
            junk = "".join(rng.choice(JUNK) for _ in range(rng.randint(1, 4)))
            text = text[:at] + junk + text[at + rng.randint(0, 40) :]
        elif kind == "values":
            spots = list(re.finditer(r"<(v|t)>([^<]*)</\1>", text))
            for spot in rng.sample(spots, min(len(spots), rng.randint(1, 6))):
                value = rng.choice(VALUES)
                text = text.replace(spot.group(0), f"<{spot.group(1)}>{value}</{spot.group(1)}>", 1)
        elif kind == "types":
            text = re.sub(
                r't="[a-zA-Z]+"', lambda m: rng.choice(TYPES) if rng.random() < 0.2 else m.group(0), text
            )
        else:
            spots = list(re.finditer(r'r="[A-Z]+[0-9]+"', text))
            for spot in rng.sample(spots, min(len(spots), rng.randint(1, 3))):
                text = text.replace(spot.group(0), rng.choice(REFS), 1)
        return text.encode("utf-8", "surrogatepass")

    return _rezip(data, change)


BAD_CELL_REFS = ["B99999999", "XFE1", "A0", "b4", "", "A1048577", "AAAA1"]
BAD_ROW_REFS = ["99999999", "1048577", "0", "x"]


def _patch_version(data: bytes, entry: int, version: int = 162) -> bytes:
    """``data`` with the ``entry``-th central directory record declaring ZIP ``version`` (16.2) as needed."""
    buf = bytearray(data)
    at = -1
    for _ in range(entry + 1):
        at = buf.index(b"PK\x01\x02", at + 1)
    buf[at + 6 : at + 8] = version.to_bytes(2, "little")
    return bytes(buf)


def structural_cases(data: bytes) -> dict[str, bytes]:
    """The structural cases for one seed file, found in its own XML (not at fixed offsets)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        book = zf.read("xl/workbook.xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        wanted = {f.name for f in layout.fields()} | {layout.TEMPLATE_ID_NAME, layout.TEMPLATE_VERSION_NAME}
        read = {
            m[2].replace("''", "'")
            for m in re.finditer(r"<definedName name=\"([^\"]+)\"[^>]*>'((?:[^']|'')+)'!", book)
            if m[1] in wanted
        }
        ids = {m[1]: m[2] for m in re.finditer(r'<sheet\b[^>]*? name="([^"]+)"[^>]*r:id="([^"]+)"', book)}
        targets = {m[1]: m[2] for m in re.finditer(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
        targets.update({m[2]: m[1] for m in re.finditer(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
        parts = {"xl/" + targets[ids[s]].removeprefix("/xl/").removeprefix("xl/") for s in read}
        sheets = {n: zf.read(n).decode("utf-8") for n in parts}  # the worksheets the reader reads
    out: dict[str, bytes] = {}
    for part, text in sheets.items():
        valued = list(re.finditer(r'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f>[^<]*</f>)?<(?:v|is)>', text))
        rows = list(re.finditer(r'<row r="([0-9]+)"', text))
        stem = part.rsplit("/", 1)[1].removesuffix(".xml")
        for n, ref in enumerate(BAD_CELL_REFS):
            if valued:
                spot = valued[-1]
                changed = text[: spot.start(1)] + ref + text[spot.end(1) :]
                out[f"结构-{stem}-单元格{n}"] = _rezip(
                    data, lambda name, body, c=changed, p=part: c.encode() if name == p else body
                )
        for n, ref in enumerate(BAD_ROW_REFS):
            if rows:
                spot = rows[-1]
                changed = text[: spot.start(1)] + ref + text[spot.end(1) :]
                out[f"结构-{stem}-行{n}"] = _rezip(
                    data, lambda name, body, c=changed, p=part: c.encode() if name == p else body
                )
    for entry in (0, len(names) // 2, len(names) - 1):
        out[f"结构-ZIP版本-条目{entry}"] = _patch_version(data, entry)
    return out


def random_value(rng: random.Random) -> object:
    return rng.choice(
        [
            rng.choice(VALUES),
            rng.uniform(-1e20, 1e20),
            rng.randint(-(10**18), 10**18),
            10**300,
            -0.0,
            dt.date(rng.randint(1900, 9999), rng.randint(1, 12), 1),
            dt.datetime(2025, 3, 31, 12, 30),
            "".join(chr(rng.randint(32, 0x9FFF)) for _ in range(rng.randint(1, 80))),
            True,
        ]
    )


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mutated files, built once; their hashes are checked after every use."""
    folder = tmp_path_factory.mktemp("fuzz")
    seeds = [
        write(
            folder / "种子",
            "a.xlsx",
            application(A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000")),
        ),
        write(
            folder / "种子",
            "b.xlsx",
            application(
                A, "甲公司", dt.date(2025, 3, 31), api("项目一", "3000000"), private("项目二", "3000000")
            ),
        ),
    ]
    originals = [s.read_bytes() for s in seeds]
    rng = random.Random(SEED)
    out = folder / "用例"
    out.mkdir()
    for n in range(BYTE_CASES):
        (out / f"字节{n:03d}.xlsx").write_bytes(byte_mutation(rng, rng.choice(originals)))
    for n in range(XML_CASES):
        (out / f"XML{n:03d}.xlsx").write_bytes(xml_mutation(rng, rng.choice(originals)))
    for name, body in structural_cases(originals[1]).items():
        (out / f"{name}.xlsx").write_bytes(body)
    paths = [f.path for f in layout.fields()]
    for n in range(VALUE_CASES):
        wb = new_template()
        fill(wb, {p: random_value(rng) for p in rng.sample(paths, 25)})
        wb.save(out / f"值{n:03d}.xlsx")
    return out


def test_read_workbook_raises_only_workbook_error(cases: Path) -> None:
    before = {p: sha256(p) for p in cases.iterdir()}
    outcomes = {"read": 0, "refused": 0}
    for path in sorted(cases.iterdir()):
        try:
            result = read_workbook(path)
        except WorkbookError as exc:
            assert str(exc).startswith(f"{path}："), exc  # names the file
            outcomes["refused"] += 1
            continue
        except Exception as exc:  # pragma: no cover - what the test exists to catch
            pytest.fail(f"{path.name}: {type(exc).__name__}: {exc}")
        evaluate(result)  # the engine takes whatever the reader hands over
        outcomes["read"] += 1
    assert {p: sha256(p) for p in cases.iterdir()} == before
    assert outcomes["read"] > 20 and outcomes["refused"] > 50  # the mutations reach both sides


def test_batch_reports_every_case(cases: Path, tmp_path: Path) -> None:
    before = {p: sha256(p) for p in cases.iterdir()}
    result = run_batch([cases], tmp_path / "复核汇总.xlsx", jobs=1)
    assert result.files == len(before)
    from test_batch import table

    from xlmv_workbook.review import sheets as review
    from xlmv_workbook.review.sheets import H

    rows = table(result.output, review.DETAIL)
    assert {Path(str(r[H.SOURCE])) for r in rows} == set(before)
    assert not [r for r in rows if "意外错误" in str(r.get(H.NOTE) or "")]
    assert {p: sha256(p) for p in cases.iterdir()} == before


def test_batch_command_never_shows_a_traceback(cases: Path, tmp_path: Path) -> None:
    before = {p: sha256(p) for p in cases.iterdir()}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "xlmv.cli",
            "batch",
            str(cases),
            "-o",
            str(tmp_path / "o.xlsx"),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert f"已复核 {len(before)} 个文件" in done.stdout
    assert {p: sha256(p) for p in cases.iterdir()} == before


_REFUSED_SCRIPT = """
import sys
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.xlsx.safety import WorkbookError
for path in sys.argv[1:]:
    try:
        read_workbook(path)
    except WorkbookError as exc:
        assert str(exc).startswith(path + "："), exc
        print("refused", path, flush=True)
    else:
        print("read", path, flush=True)
"""


def test_structural_cases_are_refused_in_a_process_of_their_own(cases: Path) -> None:
    """An 8-digit row once made calamine allocate ~83 GB and abort (exit 134); a ZIP version 16.2 escaped as
    NotImplementedError. Each structural case is refused, and the reading process survives it."""
    structural = sorted(str(p) for p in cases.glob("结构-*.xlsx"))
    assert len(structural) > 20
    assert any("单元格0" in p for p in structural) and any("ZIP版本" in p for p in structural)
    done = subprocess.run(
        [sys.executable, "-c", _REFUSED_SCRIPT, *structural],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines == [f"refused {p}" for p in structural]
