"""How fast the reward engine is: rewards per second for 100,000 random fen amounts.

Run with ``python benchmarks/bench_engine.py``. Measures, in one run and on one machine:

* ``compute_kind`` called once per amount (one API service per project): the full engine, with its
  pydantic result models, ratio, project cap and findings;
* ``compute_kind`` called once with all amounts as the services of one project (the batch path);
* the batch again with Python's cyclic garbage collector paused, to show how much of it is GC;
* baselines: ``item_max_reward`` alone (the Decimal arithmetic; it still builds a pydantic TierRow per band), and the same marginal
  arithmetic as a bare Python float loop.

Ratios are against the bare float loop. A fixed seed makes every run compute the same amounts.
"""

from __future__ import annotations

import gc
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from xlmv.money import to_fen
from xlmv.policy import load_policy
from xlmv.reward import compute_kind, item_max_reward

N = 100_000
SEED = 20240901
POLICY = load_policy("beijing-2024")
API = POLICY.kind("api")


def amounts() -> list[Decimal]:
    """Random whole-fen amounts from 0 to 5,000万, so every band (and the floor) is hit."""
    rng = random.Random(SEED)
    return [Decimal(rng.randrange(0, 50_000_000_00)) / 100 for _ in range(N)]


def float_schedule() -> tuple[float, list[tuple[float, float, float]]]:
    """(floor, [(lower, upper, rate), ...]) of the API schedule as floats, read from the policy."""
    assert API.floor is not None
    lowers = [0.0] + [float(b.upper) for b in API.bands[:-1] if b.upper is not None]
    bands = [
        (low, float(b.upper) if b.upper is not None else float("inf"), float(b.rate))
        for low, b in zip(lowers, API.bands, strict=True)
    ]
    return float(API.floor.amount), bands


def timed(label: str, run: Callable[[], object]) -> tuple[str, float, object]:
    start = time.perf_counter()
    result = run()
    return label, time.perf_counter() - start, result


def main() -> None:
    data = amounts()
    floats = [float(a) for a in data]
    floor, bands = float_schedule()

    def bare_float_loop() -> float:
        total = 0.0
        for x in floats:
            if x < floor:
                continue
            for low, high, rate in bands:
                if x <= low:
                    break
                total += (min(x, high) - low) * rate
        return total

    def decimal_arithmetic() -> Decimal:
        return sum((item_max_reward(a, API) for a in data), Decimal(0))  # rounded per service (RULE.md)

    def engine_per_amount() -> Decimal:
        return sum((compute_kind(POLICY, API, [a]).reward_before_cap for a in data), Decimal(0))

    def engine_batch() -> Decimal:
        return compute_kind(POLICY, API, data).reward_before_cap

    def engine_batch_without_gc() -> Decimal:
        # diagnosis only: the batch keeps ~400,000 result objects alive at once, and Python's cyclic
        # garbage collector walks them again and again while they are built
        gc.disable()
        try:
            return engine_batch()
        finally:
            gc.enable()

    runs = [
        timed("bare float loop (baseline)", bare_float_loop),
        timed("item_max_reward (Decimal)", decimal_arithmetic),
        timed("compute_kind, one call per amount", engine_per_amount),
        timed("compute_kind, one call for all", engine_batch),
        timed("  the same, cyclic GC paused", engine_batch_without_gc),
    ]

    # all four computed the same total (the float one up to binary noise)
    exact = runs[1][2]
    assert isinstance(exact, Decimal)
    assert runs[2][2] == exact and runs[3][2] == exact and runs[4][2] == exact
    assert abs(float(runs[0][2]) - float(exact)) <= 1e-6 * float(exact)

    print("xlmv reward engine benchmark")
    print(f"  machine   : {platform.platform()}")
    print(f"  processor : {platform.processor() or platform.machine()}")
    print(f"  CPUs      : {os.cpu_count()}")
    print(f"  Python    : {sys.version.split()[0]} ({platform.python_implementation()})")
    print(
        f"  amounts   : {N:,} random fen amounts in [0, 50,000,000), seed {SEED}; total reward {to_fen(exact):,}"
    )
    print()
    baseline = runs[0][1]
    print(f"  {'what':<36} {'seconds':>9} {'rewards/s':>12} {'× baseline time':>16}")
    for label, seconds, _ in runs:
        print(f"  {label:<36} {seconds:>9.3f} {N / seconds:>12,.0f} {seconds / baseline:>16.1f}")
    per_amount, batch = runs[2][1], runs[3][1]
    print()
    print(f"  per-amount engine vs Decimal arithmetic alone: {per_amount / runs[1][1]:.1f}× the time")
    print(f"  per-amount engine vs one batch call:           {per_amount / batch:.1f}× the time")
    print(f"  batch time spent in the cyclic GC:             {1 - runs[4][1] / batch:.0%}")


if __name__ == "__main__":
    main()
