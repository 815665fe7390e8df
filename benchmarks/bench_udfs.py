"""How long the ``MV_*`` functions take on big ranges, against the bare engine.

    python benchmarks/bench_udfs.py [--repeat N]

Inputs are what pywin32 hands a UDF for a 10,000-row column: a tuple of 10,000 1-tuples of floats, one in
ten empty (``None``). Each row is the best of ``--repeat`` runs:

* baseline: the same amounts, already ``Decimal``, through ``xlmv.reward.compute_kind`` alone;
* ``MV_API_REWARD`` / ``MV_BREAKDOWN`` on the whole range, called as Python functions (the conversion
  layer ``xlmv_udfs.convert``: flattening, parsing, rounding, the ``#`` error guard);
* the same through xlwings' own argument and result conversion, as ``call_udf`` runs it in Excel;
* 10,000 single-cell ``MV_API_REWARD`` calls (a column of formulas, one per row).

The COM round trip between Excel and the Python COM server is not measured (there is no Excel here).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal

import xlmv_udfs
from xlmv.parsing import parse_amount
from xlmv.policy import load_policy
from xlmv.reward import compute_kind
from xlmv_udfs.generate_bas import call_like_excel, decorated_udfs, excel_conversion

N = 10_000
TARGET_MS = 50.0  # one array call


def _best_ms(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def _cells(seed: int = 2024) -> tuple[tuple[float | None], ...]:
    rng = random.Random(seed)
    return tuple((None if i % 10 == 9 else round(rng.uniform(0, 8_000_000), 2),) for i in range(N))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best counts")
    repeat = parser.parse_args(argv).repeat

    cells = _cells()
    amounts: list[Decimal] = [parse_amount(v) for (v,) in cells if v is not None]
    policy = load_policy()
    singles = [v for (v,) in cells]

    # the answers agree before anything is timed
    expected = float(compute_kind(policy, "api", amounts).reward)
    assert xlmv_udfs.MV_API_REWARD(cells) == expected
    with excel_conversion():
        xl = decorated_udfs()
        assert call_like_excel(xl.MV_API_REWARD, cells) == [[expected]]

        baseline = _best_ms(lambda: compute_kind(policy, "api", amounts), repeat)
        rows = [
            ("baseline: compute_kind, Decimal in", 1, baseline),
            ("MV_API_REWARD(range)", 1, _best_ms(lambda: xlmv_udfs.MV_API_REWARD(cells), repeat)),
            ("MV_BREAKDOWN(range)", 1, _best_ms(lambda: xlmv_udfs.MV_BREAKDOWN("API", cells), repeat)),
            (
                "MV_API_REWARD(range) via xlwings",
                1,
                _best_ms(lambda: call_like_excel(xl.MV_API_REWARD, cells), repeat),
            ),
            (
                "MV_BREAKDOWN(range) via xlwings",
                1,
                _best_ms(lambda: call_like_excel(xl.MV_BREAKDOWN, "API", cells), repeat),
            ),
            (
                "MV_API_REWARD(cell) × 10,000",
                N,
                _best_ms(lambda: [xlmv_udfs.MV_API_REWARD(v) for v in singles], repeat),
            ),
            (
                "MV_API_REWARD(cell) × 10,000 via xlwings",
                N,
                _best_ms(lambda: [call_like_excel(xl.MV_API_REWARD, v) for v in singles], repeat),
            ),
        ]

    print(f"platform: {platform.platform()}  CPUs: {os.cpu_count()}  python: {sys.version.split()[0]}")
    print(f"{N:,} amounts, {sum(v is None for v in singles):,} empty; best of {repeat} runs\n")
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measurement':<{width}}  {'calls':>6}  {'ms':>9}  {'µs/call':>9}  {'× baseline':>10}")
    for name, calls, ms in rows:
        print(f"{name:<{width}}  {calls:>6,}  {ms:>9.1f}  {ms * 1000 / calls:>9.1f}  {ms / baseline:>10.2f}")
    array_ms = rows[1][2]
    verdict = "met" if array_ms <= TARGET_MS else "missed"
    print(
        f"\narray call target ≤ {TARGET_MS:.0f} ms: {verdict} ({array_ms:.1f} ms; the engine alone takes {baseline:.1f} ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
