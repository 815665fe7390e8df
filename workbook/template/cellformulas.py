"""Formulas for the template's computed cells: the add-in's UDF first, the native formula as fallback.

``IFERROR(IF(<add-in answers>,MV_API_REWARD(…)+0,NA()),<native>)`` shows the UDF's number where the add-in
answers correctly and the native formula (generated from the policy data by ``xlmv.formula``) everywhere
else — Excel without Python, Mac, the web, WPS, LibreOffice, or xlwings unable to start Python. The
indicator cell (``MV_ENGINE``) says 插件 only when ``MV_POLICY()`` returns the policy this template was built
for; every UDF call is made only then, once per cell, and ``+0`` turns any text the wrapper returns (xlwings'
error text, a ``#…`` message) into an error, so the native formula is used instead: never text, never a 0.

An amount that feeds a formula but is stored as text (pasted, or written by a script) is never computed
with: ``unless_numbers`` shows ``TEXT_MARKER`` in every cell that depends on it, and in the totals built on
those cells. Only functions every spreadsheet knows are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from xlmv import formula as native
from xlmv.policy import Band, Kind, Policy
from xlmv.reward import amount_for_reward, band_lowers
from xlmv_workbook.template.layout import ENGINE_NAME

# The UDFs that compute one kind's project reward and tier (names are the add-in's contract).
REWARD_UDF = {"api": "MV_API_REWARD", "private": "MV_PRIVATE_REWARD"}
TIER_UDF = {"api": "MV_API_TIER", "private": "MV_PRIVATE_TIER"}
FEN = Decimal("0.01")
TEXT_MARKER = "金额须为数字"
"""Shown instead of a figure when an amount it depends on is text (or an error, or TRUE/FALSE)."""
ENGINE_ON = "计算方式：插件"
ENGINE_OFF = "计算方式：内置公式"


num = native.literal


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def engine(policy: Policy) -> str:
    """The indicator: 插件 only when the add-in answers with this template's policy (``MV_POLICY``)."""
    ok = f"IFERROR({'MV_POLICY()'}={quote(policy.label)},FALSE)"
    return f"IF({ok},{quote(ENGINE_ON)},{quote(ENGINE_OFF)})"


def dual(udf: str, fallback: str) -> str:
    """The UDF's number when the indicator says the add-in works, else (or when the answer is not a
    number) the native ``fallback``."""
    return f"IFERROR(IF({ENGINE_NAME}={quote(ENGINE_ON)},{udf}+0,NA()),{fallback})"


def unless_numbers(refs: Sequence[str], expr: str) -> str:
    """``expr``, or ``TEXT_MARKER`` when any of the cells or ranges ``refs`` holds something other than a
    number or nothing (text such as "50000" or "120万", an error, TRUE/FALSE)."""
    return f"IF({native.non_numbers(refs)},{quote(TEXT_MARKER)},{expr})" if refs else expr


def by_kind(policy: Policy, kind_cell: str, exprs: dict[str, str], default: str = '""') -> str:
    """Pick an expression by the product's 申报方式 cell (which holds a kind's label)."""
    formula = default
    for kind in reversed(policy.kinds):
        if kind.id in exprs:
            formula = f"IF({kind_cell}={quote(kind.label)},{exprs[kind.id]},{formula})"
    return formula


def project_reward(kind: Kind, cells: Sequence[str], rng: str, prior: str) -> str:
    """A project's reward after its cap: the UDF over ``rng``, else the native formula over ``cells``."""
    fallback = native.project_reward_formula(kind, list(cells), prior=prior)
    udf = REWARD_UDF.get(kind.id)
    return dual(f"{udf}({rng},{prior})", fallback) if udf else fallback


def max_reward(kind: Kind, cells: Sequence[str]) -> str:
    """The maximum reward before ratio and caps (native only; shown beside the capped reward)."""
    if kind.basis == "per_service":
        return native.rounded("+".join(native.item_reward_formula(kind, c) for c in cells))
    total = f"({'+'.join(cells)})" if len(cells) > 1 else cells[0]
    return native.rounded(native.item_reward_formula(kind, total))


def tier(kind: Kind, rng: str, cells: Sequence[str]) -> str:
    """The highest tier reached: tiers rise with the amount, so it is the tier of the largest item."""
    x = f"MAX({rng})" if kind.basis == "per_service" else (f"SUM({rng})" if len(cells) > 1 else cells[0])
    fallback = native.tier_formula(kind, x)
    udf = TIER_UDF.get(kind.id)
    return dual(f"{udf}({x})", fallback) if udf else fallback


def band_base(kind: Kind, band: Band, lower: Decimal, x: str) -> str:
    """The part of ``x`` in ``band`` (0 below the entry floor)."""
    top = x if band.upper is None else f"MIN({x},{num(band.upper)})"
    part = f"MAX(0,{top}-{num(lower)})" if lower else f"MAX(0,{top})"
    return part if kind.floor is None else f"IF({x}<{num(kind.floor.amount)},0,{part})"


def tier_base(kind: Kind, tier_index: int, cells: Sequence[str]) -> str:
    """The summed base of all items in one tier (per-service items each split on their own)."""
    if tier_index >= len(kind.bands):
        return "0"
    band, lower = kind.bands[tier_index], band_lowers(kind)[tier_index]
    if kind.basis == "per_service":
        return "+".join(band_base(kind, band, lower, c) for c in cells)
    total = f"({'+'.join(cells)})" if len(cells) > 1 else cells[0]
    return band_base(kind, band, lower, total)


def next_tier(kind: Kind, rng: str, cells: Sequence[str], kind_cell: str, prior: str) -> str:
    """Spend to the next tier, or to the project cap (less ``prior``, the project's prior award) once the
    cap comes first, for the largest item — ``xlmv.reward.next_step``."""
    x = f"MAX({rng})" if kind.basis == "per_service" else (f"SUM({rng})" if len(cells) > 1 else cells[0])
    threshold = _cap_threshold(kind, prior)
    formula = "0" if threshold is None else f"MAX({threshold}-{x},0)"
    for band in reversed(kind.bands[:-1]):
        assert band.upper is not None
        start = num(band.upper + FEN)
        step = f"{start}-{x}"
        if threshold is not None:  # the cap (less the prior award) may come before the next band
            step = f"IF({threshold}>{start},{step},MAX({threshold}-{x},0))"
        formula = f"IF({x}<={num(band.upper)},{step},{formula})"
    if kind.floor is not None:
        formula = f"IF({x}<{num(kind.floor.amount)},{num(kind.floor.amount)}-{x},{formula})"
    # Differences of fen amounts carry binary noise (1000000.01-1000000 = 0.0100000000093): round to the fen.
    return dual(f"MV_NEXT_TIER({kind_cell},{x},{prior})", f"ROUND({formula},2)")


def _cap_threshold(kind: Kind, prior: str) -> str | None:
    """``amount_for_reward(MAX(cap - prior, 0))`` natively: the smallest spend (rounded up to the fen, not
    below the floor) whose reward reaches what the project cap leaves; None without a cap."""
    if kind.cap is None:
        return None
    if any(band.rate <= 0 for band in kind.bands):  # a flat band has no inverse: the cap as if no prior
        fixed = amount_for_reward(kind.cap.amount, kind)
        return None if fixed is None else num(fixed)
    left = f"MAX({num(kind.cap.amount)}-{prior},0)"
    cumulative = Decimal(0)
    pieces: list[tuple[Decimal | None, str]] = []  # (reward reached at the band's top, amount in band)
    for band, lower in zip(kind.bands, band_lowers(kind), strict=True):
        offset = f"({left}-{num(cumulative)})" if cumulative else left
        piece = f"{num(lower)}+{offset}/{num(band.rate)}" if lower else f"{offset}/{num(band.rate)}"
        if band.upper is not None:
            cumulative += (band.upper - lower) * band.rate
        pieces.append((None if band.upper is None else cumulative, piece))
    inverse = pieces[-1][1]
    for bound, piece in reversed(pieces[:-1]):
        assert bound is not None  # only the last band is unbounded
        inverse = f"IF({left}<={num(bound)},{piece},{inverse})"
    floor = num(kind.floor.amount) if kind.floor is not None else "0"
    return f"MAX({floor},ROUNDUP(ROUND({inverse},7),2))"


def checklist_summary(policy: Policy, kind_cell: str, rng: str, cells: Sequence[str]) -> str:
    """``齐全 9/9`` / ``缺 2 项：3、7`` like MV_CHECKLIST, natively: missing = not provided and not N/A."""
    statuses = policy.checklist_statuses
    assert statuses is not None

    def any_of(cell: str, values: Sequence[str]) -> str:
        return f"OR({','.join(f'{cell}={quote(v)}' for v in values)})" if values else "FALSE"

    ok = [f"OR({any_of(c, statuses.provided)},{any_of(c, statuses.not_applicable)})" for c in cells]
    missing_count = "+".join(f"IF({o},0,1)" for o in ok)
    missing_list = "&".join(f'IF({o},"","{n}、")' for n, o in enumerate(ok, start=1))
    na_count = "+".join(f"IF({any_of(c, statuses.not_applicable)},1,0)" for c in cells)
    total = len(cells)
    complete = f'"齐全 {total}/{total}"&IF(({na_count})>0,"（含不适用 "&({na_count})&" 项）","")'
    missing = f'"缺 "&({missing_count})&" 项："&LEFT({missing_list},LEN({missing_list})-1)'
    fallback = f"IF(({missing_count})=0,{complete},{missing})"
    # Native only: a text answer cannot be told from xlwings' error text without calling the UDF twice.
    return f'IF({kind_cell}="","",{fallback})'


def enterprise_total(policy: Policy, rewards: str, prior: str) -> str:
    cap = policy.enterprise_cap
    fallback = (
        native.rounded(f"SUM({rewards})")
        if cap is None
        else native.rounded(native.capped_formula(f"SUM({rewards})", cap.amount, prior))
    )
    return dual(f"MV_ENTERPRISE_REWARD({rewards},{prior})", fallback)
