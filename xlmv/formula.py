"""Native spreadsheet formulas generated from a policy's schedule, for workbooks without the add-in.

A marginal schedule is a piecewise-linear function. With falling rates (the Beijing 2024 bands) it is
concave, so the reward is the *minimum* of one line per band, ``MIN(x*0.5, x*0.25+250000, x*0.1+1000000)``.
The individual-income-tax trick ``MAX(x*{rates}-{deductions})`` only holds for rising rates (convex
schedules), where the maximum is used instead; a schedule that is neither gets nested ``IF``s.
Only functions every spreadsheet knows are used (IF, MIN, MAX, ROUND, SUM, COUNT, COUNTA), never ``_xlfn.`` ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from xlmv.money import ZERO
from xlmv.policy import Kind
from xlmv.reward import band_lowers


def literal(value: Decimal) -> str:
    """A Decimal as a formula literal: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def band_lines(kind: Kind) -> list[tuple[Decimal, Decimal]]:
    """(rate, intercept) for each band: within band i the reward is ``x*rate + intercept``."""
    lines, cumulative = [], ZERO
    for band, lower in zip(kind.bands, band_lowers(kind), strict=True):
        lines.append((band.rate, cumulative - lower * band.rate))
        if band.upper is not None:
            cumulative += (band.upper - lower) * band.rate
    return lines


def _line(x: str, rate: Decimal, intercept: Decimal) -> str:
    term = "0" if rate == 0 else x if rate == 1 else f"{x}*{literal(rate)}"
    if intercept > 0:
        return f"{term}+{literal(intercept)}"
    if intercept < 0:
        return f"{term}-{literal(-intercept)}"
    return term


def schedule_formula(kind: Kind, x: str) -> str:
    """The maximum reward of one amount ``x`` (a cell reference or expression) before floor and caps."""
    lines = band_lines(kind)
    parts = [_line(x, r, c) for r, c in lines]
    if len(parts) == 1:
        return parts[0]
    rates = [r for r, _ in lines]
    if all(a >= b for a, b in pairwise(rates)):
        return f"MIN({','.join(parts)})"
    if all(a <= b for a, b in pairwise(rates)):
        return f"MAX({','.join(parts)})"
    formula = parts[-1]
    for band, part in zip(reversed(kind.bands[:-1]), reversed(parts[:-1]), strict=True):
        assert band.upper is not None
        formula = f"IF({x}<={literal(band.upper)},{part},{formula})"
    return formula


def item_reward_formula(kind: Kind, x: str) -> str:
    """One item's maximum reward with the entry floor (附件3 一.7 / 一.8): 0 below it."""
    body = schedule_formula(kind, x)
    if kind.floor is None:
        return body
    return f"IF({x}<{literal(kind.floor.amount)},0,{body})"


def tier_formula(kind: Kind, x: str) -> str:
    """0 below the floor, else the tier number ``x`` ends in (upper bounds inclusive)."""
    formula = str(kind.bands[-1].tier)
    for band in reversed(kind.bands[:-1]):
        assert band.upper is not None
        formula = f"IF({x}<={literal(band.upper)},{band.tier},{formula})"
    if kind.floor is not None:
        formula = f"IF({x}<{literal(kind.floor.amount)},0,{formula})"
    return formula


def capped_formula(total: str, limit: Decimal, prior: str | None = None) -> str:
    """``total`` after a cap of ``limit`` less ``prior`` already received (never below 0)."""
    available = literal(limit) if prior is None else f"MAX({literal(limit)}-{prior},0)"
    return f"MIN({total},{available})"


def non_numbers(refs: Sequence[str]) -> str:
    """True when any of the cells or ranges ``refs`` holds something that is not a number: COUNTA counts
    every non-empty cell (text, TRUE/FALSE, errors), COUNT only numbers, in every spreadsheet."""
    joined = ",".join(refs)
    return f"COUNTA({joined})>COUNT({joined})"


def rounded(expr: str) -> str:
    """Round to the fen. Excel's ROUND rounds half away from zero, which is half up for rewards ≥ 0.

    The inner ROUND to 7 places first drops binary floating-point noise (8641476.95*0.2 evaluates to
    1864147.6949999998, whose half-up rounding to the fen would be .69, not the exact .70); it changes no
    exact reward of up to 7 decimals (fen amounts × two-decimal rates × a ratio of up to 3 decimals).
    """
    return f"ROUND(ROUND({expr},7),2)"


def project_max_formula(kind: Kind, amounts: list[str]) -> str:
    """A project's maximum reward (README 计算口径): each item's reward rounded once to the fen, then summed
    (``per_service``), or the summed amounts' reward rounded once (``per_project``)."""
    if kind.basis == "per_service":
        return "+".join(rounded(item_reward_formula(kind, a)) for a in amounts) or "0"
    return rounded(item_reward_formula(kind, f"({'+'.join(amounts)})" if len(amounts) > 1 else amounts[0]))


def project_reward_formula(
    kind: Kind, amounts: list[str], *, ratio: str | None = None, prior: str | None = None
) -> str:
    """A project's reward: its maximum (``project_max_formula``), scaled by the approved ratio and rounded
    once, then the project cap; rounded to the fen."""
    total = project_max_formula(kind, amounts)
    if ratio is not None:
        total = rounded(f"({total})*{ratio}")
    if kind.cap is not None:
        total = rounded(capped_formula(total, kind.cap.amount, prior))
    return total
