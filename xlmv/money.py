"""Money as exact ``Decimal`` yuan: the one rounding rule (to the fen, half up) and the pydantic type
that applies it when a result leaves the engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer

FEN = Decimal("0.01")
ZERO = Decimal(0)
WAN = Decimal(10_000)


def to_fen(amount: Decimal) -> Decimal:
    """Round exact yuan to the fen, half up: the only rounding in the engine, done at the edge."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def split_fen(parts: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """Whole-fen shares of ``total`` that sum to it exactly (largest remainder, RULE.md 1 and 3).

    ``parts`` are the exact figures (non-negative) whose fen-rounded sum is ``total``. Each share is its
    part rounded down to the fen; the fens still missing go, one each, to the parts with the largest
    remainders, ties to the earlier part (the lower tier, the earlier service).
    """
    floors = [p.quantize(FEN, rounding=ROUND_FLOOR) for p in parts]
    missing = int((total - sum(floors, ZERO)) / FEN)
    if not 0 <= missing <= len(parts):
        raise ValueError(f"{total} is not the fen-rounded sum of {list(parts)}")
    if missing == 0:  # the common case: nothing to hand out
        return floors
    by_remainder = sorted(range(len(parts)), key=lambda n: (-(parts[n] - floors[n]), n))
    for n in by_remainder[:missing]:
        floors[n] += FEN
    return floors


def to_wan(amount: Decimal, places: int = 2) -> Decimal:
    """Yuan to 万元 for the 附件3-3 form, rounded half up to ``places`` decimals."""
    return (amount / WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fen_str(amount: Decimal) -> str:
    """``1000000.00``: how amounts appear in JSON."""
    return str(to_fen(amount))


def format_yuan(amount: Decimal) -> str:
    """``Decimal("1200000")`` → ``'1,200,000.00'``: how amounts appear in Chinese tables."""
    return f"{_finite(to_fen, amount):,.2f}"


def format_wan(amount: Decimal, places: int = 2) -> str:
    """Yuan shown in 万元 without grouping, as the 附件3-3 form asks: ``1234567.89`` → ``'123.46'``."""
    if places < 0:
        raise ValueError(f"places must be >= 0, got {places}")
    return f"{_finite(lambda a: to_wan(a, places), amount):f}"


def _finite(rounder: Callable[[Decimal], Decimal], amount: Decimal) -> Decimal:
    if not Decimal(amount).is_finite():
        raise ValueError(f"cannot format amount {amount!r}")
    result = rounder(Decimal(amount))
    return result.copy_abs() if result.is_zero() else result  # never "-0.00"


# Exact inside; serialised rounded to the fen as a string, so JSON never carries a float.
Money = Annotated[Decimal, PlainSerializer(fen_str, return_type=str, when_used="json")]
