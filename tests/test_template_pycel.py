"""pycel computes the filled template, once with the real ``xlmv_udfs`` functions and once without them,
and every computed cell that matters equals the engine's answer to the fen.

With the add-in, pycel calls the real UDFs through an adapter that hands them what Excel's COM bridge
does: ranges as tuples of tuples, empty cells as None, numbers as floats; an array result goes back as a
tuple of tuples. Without it, every ``MV_*`` name is a stand-in returning ``#NAME?`` (pycel itself raises
on an unknown function instead of yielding the error value), so IFERROR/ISERROR take the native formulas.

pycel 1.0b30 reads defined names through ``workbook.defined_names.definedName``, which openpyxl 3.1 no
longer has; ``_Wrapper`` reads them from the 3.1 dict instead.

Excluded: the three MV_BREAKDOWN array-formula cells (奖励测算!F6, F36, F66) *with* the UDFs registered.
pycel evaluates both branches of ``IF(kind="API调用", MV_BREAKDOWN(…), IF(kind="私有化部署", MV_BREAKDOWN(…)))``
eagerly and, in an array-formula context, zips the two spilled tables element by element; they have
different heights, so pycel raises IndexError (Excel evaluates only the chosen branch). Without the UDFs
those cells are checked: they show the note that the add-in adds the breakdown.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from filling import EXAMPLES, expected_cells, fill_template, mismatches, resolve
from pycel import ExcelCompiler
from pycel.excelutil import EMPTY, NAME_ERROR
from pycel.excelwrapper import ExcelOpxWrapper

import xlmv_udfs
from xlmv.money import to_fen
from xlmv.policy import load_policy
from xlmv.reward import next_step
from xlmv_workbook.template import cellformulas as F
from xlmv_workbook.template import layout as L
from xlmv_workbook.template.sheet_calc import BREAKDOWN_NOTE

POLICY = load_policy()
UDF_NAMES = sorted(n for n in dir(xlmv_udfs) if n.startswith("MV_") and callable(getattr(xlmv_udfs, n)))


class _Wrapper(ExcelOpxWrapper):
    """pycel's openpyxl wrapper with defined names read the openpyxl 3.1 way."""

    @property
    def defined_names(self):
        if self.workbook is not None and self._defined_names is None:
            self._defined_names = {}
            for defined in self.workbook.defined_names.values():
                destinations = [(ref, ws) for ws, ref in defined.destinations if ws in self.workbook]
                if destinations:
                    self._defined_names[defined.name] = destinations
        return self._defined_names


def _to_com(value: object) -> object:
    """What COM hands a UDF: tuples of tuples, None for an empty cell, floats for numbers."""
    if isinstance(value, (tuple, list)):
        return tuple(_to_com(v) for v in value)
    if value is None or value == EMPTY:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _to_pycel(value: object) -> object:
    """A UDF's array result (a list of rows) as pycel's array: a tuple of tuples."""
    if isinstance(value, list):
        return tuple(tuple(row) if isinstance(row, list) else (row,) for row in value)
    return value


def _adapt(udf: Callable[..., object], calls: list[str]) -> Callable[..., object]:
    def call(*args: object) -> object:
        calls.append(udf.__name__)
        return _to_pycel(udf(*(_to_com(a) for a in args)))

    return call


def _name_error(*_: object) -> str:
    return NAME_ERROR


def _counta(*args: object) -> int:
    """COUNTA, which pycel lacks: every non-empty cell or value (text, numbers, booleans, errors)."""
    count = 0
    for arg in args:
        values = [v for row in arg for v in row] if isinstance(arg, tuple) else [arg]
        count += sum(1 for v in values if v is not None and v != EMPTY)
    return count


def _plugin(name: str, functions: dict[str, Callable[..., object]]) -> str:
    """Register a module pycel can import as a plugin (pycel looks functions up by lower-case name), with
    COUNTA added (the template's text-amount guard uses it)."""
    module = types.ModuleType(name)
    module.counta = _counta  # type: ignore[attr-defined]
    for udf, function in functions.items():
        setattr(module, udf.lower(), function)
    sys.modules[name] = module
    return name


UDF_CALLS: list[str] = []
WITH_UDFS = _plugin("xlmv_test_pycel_udfs", {n: _adapt(getattr(xlmv_udfs, n), UDF_CALLS) for n in UDF_NAMES})
WITHOUT_UDFS = _plugin("xlmv_test_pycel_no_udfs", dict.fromkeys(UDF_NAMES, _name_error))


def compiler(path: Path, plugin: str) -> ExcelCompiler:
    excel = _Wrapper(str(path))
    excel.load()
    return ExcelCompiler(excel=excel, plugins=[plugin])


def evaluate(xl: ExcelCompiler, keys: list[str]) -> dict[str, object]:
    """Each key (a defined name, or ``sheet!cell``) evaluated; names are resolved through the workbook."""
    out = {}
    for key in keys:
        sheet, cell = key.split("!") if "!" in key else resolve(xl.excel.workbook, key)
        out[key] = xl.evaluate(f"{sheet}!{cell}")
    return out


@pytest.fixture(scope="module")
def filled(template_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pycel")
    return {
        name: fill_template(template_path, make(), folder / f"{name}.xlsx") for name, make in EXAMPLES.items()
    }


def breakdown_cells() -> list[str]:
    return [f"{L.CALC}!F{L.calc_top_row(i) + 1}" for i in range(L.PRODUCTS)]


@pytest.mark.parametrize("example", EXAMPLES)
def test_with_the_udfs_every_cell_equals_the_engine(filled, example: str) -> None:
    expected = expected_cells(EXAMPLES[example]())
    UDF_CALLS.clear()
    xl = compiler(filled[example], WITH_UDFS)
    values = evaluate(xl, list(expected))
    assert not mismatches(values, expected)
    assert evaluate(xl, [L.ENGINE_NAME])[L.ENGINE_NAME] == "计算方式：插件"
    # The UDFs did the computing: every reward, tier, next-tier and checklist cell of a filled slot called
    # its UDF (pycel evaluates both IFERROR branches, so the native formula ran too, and was not used).
    assert {"MV_API_REWARD", "MV_PRIVATE_REWARD", "MV_ENTERPRISE_REWARD", "MV_NEXT_TIER"} <= set(UDF_CALLS)


@pytest.mark.parametrize("example", EXAMPLES)
def test_without_the_udfs_the_native_formulas_give_the_same_numbers(filled, example: str) -> None:
    expected = expected_cells(EXAMPLES[example]())
    xl = compiler(filled[example], WITHOUT_UDFS)
    values = evaluate(xl, list(expected))
    assert not mismatches(values, expected)
    assert evaluate(xl, [L.ENGINE_NAME])[L.ENGINE_NAME] == "计算方式：内置公式"
    for cell, index in zip(breakdown_cells(), range(L.PRODUCTS), strict=True):
        has_kind = index < len(EXAMPLES[example]().products)
        assert xl.evaluate(cell) == (BREAKDOWN_NOTE if has_kind else "")


def test_the_udf_answers_differ_from_stand_ins_so_the_comparison_means_something(filled) -> None:
    """A control: with the UDF names returning a wrong number, IFERROR keeps it and the check fails."""
    functions = {**dict.fromkeys(UDF_NAMES, lambda *_: 1.0), "MV_POLICY": lambda: POLICY.label}
    wrong = _plugin("xlmv_test_pycel_wrong", functions)
    name = "api_project_cap"
    xl = compiler(filled[name], wrong)
    expected = expected_cells(EXAMPLES[name]())
    assert mismatches(evaluate(xl, list(expected)), expected)


XLWINGS_ERROR = "ModuleNotFoundError: No module named 'xlmv_udfs'"  # what a wrapper returns, as text


@pytest.mark.parametrize(
    ("policy_answer", "engine"),
    [
        (XLWINGS_ERROR, "计算方式：内置公式"),
        (POLICY.label, "计算方式：插件"),
        ("other@1", "计算方式：内置公式"),
    ],
)
def test_udfs_answering_text_never_reach_a_cell(filled, policy_answer: str, engine: str) -> None:
    """xlwings that cannot start Python makes every wrapper return its error text. The indicator says 插件
    only when MV_POLICY answers with this template's policy; every UDF-first cell shows the native number
    (never the text, never 0), also when MV_POLICY answers but the other wrappers return text."""
    functions = {**dict.fromkeys(UDF_NAMES, lambda *_: XLWINGS_ERROR), "MV_POLICY": lambda: policy_answer}
    broken = _plugin(f"xlmv_test_pycel_broken_{len(policy_answer)}", functions)
    name = "api_project_cap"
    xl = compiler(filled[name], broken)
    expected = expected_cells(EXAMPLES[name]())
    assert not mismatches(evaluate(xl, list(expected)), expected)
    assert evaluate(xl, [L.ENGINE_NAME])[L.ENGINE_NAME] == engine


# --- the native next-tier formula against xlmv.reward.next_step, across bounds and prior awards --------

AMOUNTS = {
    "api": (
        "0 99999.99 100000 400000 999999.99 1000000 1000000.01 2000000 4999999.99 5000000 5000000.01 "
        "19000000 23456789.01 40000000 50000000"
    ),
    "private": (
        "0 499999.99 500000 1000000 1999999.99 2000000 2000000.01 4999999.99 5000000 5000000.01 "
        "30000000 91000000 95000000"
    ),
}
PRIORS = "0 1234567.89 3500000 4800000 4999999.99 5000000 6000000"


@pytest.fixture(scope="module")
def next_tier_sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, str, str]]]:
    """One row per (kind, amount, prior): the amount in A, the prior in B, the 申报方式 in C, the template's
    next-tier formula in D."""
    wb = openpyxl.Workbook()
    ws = wb.active
    cases = []
    row = 1
    for kind in POLICY.kinds:
        for amount in AMOUNTS[kind.id].split():
            for prior in PRIORS.split():
                ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"] = float(amount), float(prior), kind.label
                ws[f"E{row}"] = "=" + F.max_reward(kind, [f"A{row}"])
                ws[f"D{row}"] = "=" + F.next_tier(
                    kind, f"A{row}:A{row}", [f"A{row}"], f"C{row}", f"B{row}", f"E{row}"
                )
                cases.append((kind.id, amount, prior, f"D{row}"))
                row += 1
    path = tmp_path_factory.mktemp("next_tier") / "next_tier.xlsx"
    wb.save(path)
    return path, cases


@pytest.mark.parametrize("plugin", [WITH_UDFS, WITHOUT_UDFS], ids=["udf", "native"])
def test_next_tier_formula_matches_next_step(next_tier_sheet, plugin: str) -> None:
    path, cases = next_tier_sheet
    xl = compiler(path, plugin)
    sheet = xl.excel.workbook.active.title
    wrong = []
    for kind, amount, prior, cell in cases:
        want = to_fen(next_step(Decimal(amount), POLICY.kind(kind), Decimal(prior)).needed)
        got = xl.evaluate(f"{sheet}!{cell}")
        if Decimal(repr(float(got))) != want:
            wrong.append(f"{kind} {amount} prior {prior}: got {got!r}, next_step {want}")
    assert not wrong, "\n".join(wrong)


def test_enterprise_total_of_two_half_fen_rewards(template_path: Path, tmp_path: Path) -> None:
    """Each project's award is rounded to the fen once; the enterprise total sums those awards, in the
    engine and in the workbook alike: two rewards of 500000.005 are 500000.01 each, 1000000.02 in all."""
    from filling import _api, _declaration

    decl = _declaration(_api("甲", "1000000.02"), _api("乙", "1000000.02"))
    path = fill_template(template_path, decl, tmp_path / "half_fen.xlsx")
    expected = expected_cells(decl)
    assert not mismatches(evaluate(compiler(path, WITH_UDFS), list(expected)), expected)
