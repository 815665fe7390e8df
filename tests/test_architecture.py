"""The layering the README promises, read from the source with ``ast``: the engine (``xlmv``) imports no
spreadsheet library and none of the Excel layers (only ``xlmv/cli.py`` dispatches to them, inside its
functions); nothing imports upward into ``xlmv.cli``; the workbook layer has no import cycle; every module
says what it owns; and the small rules that once lived twice have one home."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"xlmv": ROOT / "xlmv", "xlmv_workbook": ROOT / "workbook", "xlmv_udfs": ROOT / "udfs"}
EXCEL_SIDE = ("openpyxl", "xlwings", "python_calamine", "xlmv_workbook", "xlmv_udfs")


@dataclass(frozen=True)
class Import:
    target: str  # the module imported (``from a.b import c`` gives ``a.b`` and, if a module, ``a.b.c``)
    line: int
    top_level: bool  # at module level (also inside ``if TYPE_CHECKING``/``try``), not inside a function


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def _modules() -> list[Module]:
    found = []
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            name = ".".join([package, *parts])
            found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


MODULES = _modules()
NAMES = {m.name for m in MODULES}


def _imports(module: Module) -> Iterator[Import]:
    def walk(node: ast.AST, top: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inside = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(alias.name, child.lineno, top)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                yield Import(base, child.lineno, top)
                for alias in child.names:
                    if f"{base}.{alias.name}" in NAMES:
                        yield Import(f"{base}.{alias.name}", child.lineno, top)
            yield from walk(child, inside)

    yield from walk(module.tree, True)


def _is_under(target: str, roots: tuple[str, ...]) -> bool:
    return any(target == root or target.startswith(root + ".") for root in roots)


def test_the_modules_are_found() -> None:
    assert {"xlmv.cli", "xlmv.reward", "xlmv_workbook.read.reader", "xlmv_udfs"} <= NAMES
    assert len(MODULES) > 60


def test_engine_imports_no_spreadsheet_library_nor_excel_layer() -> None:
    wrong = [
        f"{m.path.relative_to(ROOT)}:{i.line} imports {i.target}"
        for m in MODULES
        if m.name.startswith("xlmv.") or m.name == "xlmv"
        for i in _imports(m)
        if _is_under(i.target, EXCEL_SIDE) and not (m.name == "xlmv.cli" and not i.top_level)
    ]
    assert wrong == []


def test_cli_dispatches_lazily() -> None:
    """The CLI reaches the Excel layers only inside the command that needs them (fast ``xlmv --help``)."""
    cli = next(m for m in MODULES if m.name == "xlmv.cli")
    lazy = [i.target for i in _imports(cli) if _is_under(i.target, EXCEL_SIDE)]
    assert lazy, "the CLI dispatches to the workbook layer"
    assert all(not i.top_level for i in _imports(cli) if _is_under(i.target, EXCEL_SIDE))


def test_nothing_imports_the_cli() -> None:
    wrong = [
        f"{m.path.relative_to(ROOT)}:{i.line}"
        for m in MODULES
        if m.name != "xlmv.cli"
        for i in _imports(m)
        if _is_under(i.target, ("xlmv.cli",))
    ]
    assert wrong == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _graph(root: str) -> dict[str, set[str]]:
    """Every import between modules of ``root`` (type-only ones too), an ``__init__`` excluded as a
    target when a submodule is meant."""
    graph: dict[str, set[str]] = {}
    for m in MODULES:
        if not _is_under(m.name, (root,)):
            continue
        targets = {i.target for i in _imports(m) if i.target in NAMES and _is_under(i.target, (root,))}
        graph[m.name] = targets - {m.name}
    return graph


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("root", ["xlmv_workbook", "xlmv", "xlmv_udfs"])
def test_no_import_cycles(root: str) -> None:
    graph = _graph(root)
    assert len(graph) > 1 or root == "xlmv_udfs"
    assert _cycles(graph) == []


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_every_module_says_what_it_owns(module: Module) -> None:
    docstring = ast.get_docstring(module.tree)
    assert docstring and len(docstring.split()) >= 3, f"{module.path.relative_to(ROOT)} has no docstring"


# --- one home for the small rules that once lived twice --------------------------------------------------


def test_exit_codes_have_one_home() -> None:
    assignments = [
        f"{m.path.relative_to(ROOT)}:{node.lineno}"
        for m in MODULES
        for node in ast.walk(m.tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        for name in ast.walk(target)
        if isinstance(name, ast.Name) and name.id.startswith("EXIT_")
    ]
    assert assignments and all(a.startswith("xlmv/exitcodes.py:") for a in assignments), assignments


def test_blank_cell_rule_has_one_home() -> None:
    blank = re.compile(r"is None or \(isinstance\(value, str\) and not value\.strip\(\)\)")
    places = [
        str(m.path.relative_to(ROOT)) for m in MODULES if blank.search(m.path.read_text(encoding="utf-8"))
    ]
    assert places == ["xlmv/parsing.py"]


def test_review_and_export_titles_are_the_templates_labels() -> None:
    from xlmv_workbook.export.writer import path_label
    from xlmv_workbook.review.sheets import H
    from xlmv_workbook.template import layout

    label = {f.path: f.label for f in layout.fields()}
    assert (label["company.name"], label["company.uscc"], label["application_date"]) == (
        H.COMPANY,
        H.USCC,
        H.DATE,
    )
    assert (
        label["products[0].name"],
        label["products[0].kind"],
        label["products[0].prior_award"],
    ) == (H.PRODUCT, H.KIND, H.PRIOR)
    assert path_label("products[7].services[9].cac_filing") == label["products[0].services[0].cac_filing"]
