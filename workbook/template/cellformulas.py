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
from xlmv.money import FEN
from xlmv.policy import Band, Kind, Policy
from xlmv.reward import band_lowers
from xlmv_workbook.template.layout import ENGINE_NAME

# The UDFs that compute one kind's project reward and tier (names are the add-in's contract).
REWARD_UDF = {"api": "MV_API_REWARD", "private": "MV_PRIVATE_REWARD"}
TIER_UDF = {"api": "MV_API_TIER", "private": "MV_PRIVATE_TIER"}
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
    """The maximum reward before ratio and caps (native only; shown beside the capped reward): each
    service rounded to the fen, then summed (README 计算口径)."""
    return native.project_max_formula(kind, list(cells))


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


NO_BAND = "9E+307"  # "no next band": larger than any amount


def next_tier(kind: Kind, rng: str, cells: Sequence[str], kind_cell: str, prior: str, maximum: str) -> str:
    """距下一档（或项目上限）还需投入, as ``xlmv.reward.next_step``: the spend on the largest item (the summed
    procurement for a per-project kind) that reaches its next band (the floor below it) or brings the
    project's maximum ``maximum`` (a cell: services rounded to the fen and summed) to the project cap less
    ``prior``, whichever comes first; 0 once the maximum reaches the cap (已达上限)."""
    x = f"MAX({rng})" if kind.basis == "per_service" else (f"SUM({rng})" if len(cells) > 1 else cells[0])
    band_at = NO_BAND
    for band in reversed(kind.bands[:-1]):
        assert band.upper is not None
        band_at = f"IF({x}<={num(band.upper)},{num(band.upper + FEN)},{band_at})"
    if kind.floor is not None:
        band_at = f"IF({x}<{num(kind.floor.amount)},{num(kind.floor.amount)},{band_at})"
    if kind.cap is None:
        formula = f"IF({band_at}>={NO_BAND},0,{band_at}-{x})"
    else:
        room = f"MAX({num(kind.cap.amount)}-{prior},0)"
        own = native.rounded(native.item_reward_formula(kind, x))
        # the other items keep their rounded rewards; this one must bring the rest, rounded half up
        cap_at = _amount_reaching(kind, f"({room}-({maximum}-{own})-0.005)")
        formula = f"IF({maximum}>={room},0,MAX(MIN({cap_at},{band_at})-{x},0))"
    # Differences of fen amounts carry binary noise (1000000.01-1000000 = 0.0100000000093): round to the fen.
    return dual(f"MV_NEXT_TIER({kind_cell},{rng},{prior})", f"ROUND({formula},2)")


def _amount_reaching(kind: Kind, reward: str) -> str:
    """``amount_for_reward(reward)`` natively: the smallest spend (rounded up to the fen, not below the
    floor) whose exact reward reaches ``reward``; ``NO_BAND`` when no amount does."""
    floor = num(kind.floor.amount) if kind.floor is not None else "0"
    cumulative = Decimal(0)
    pieces: list[tuple[Decimal | None, str]] = []  # (reward reached at the band's top, amount in band)
    for band, lower in zip(kind.bands, band_lowers(kind), strict=True):
        offset = f"({reward}-{num(cumulative)})" if cumulative else reward
        if band.rate <= 0:  # a flat band reaches nothing more: beyond it, only its lower bound
            piece = f"IF({offset}<=0,{num(lower)},{NO_BAND})"
        else:
            piece = f"{num(lower)}+{offset}/{num(band.rate)}" if lower else f"{offset}/{num(band.rate)}"
        if band.upper is not None:
            cumulative += (band.upper - lower) * band.rate
        pieces.append((None if band.upper is None else cumulative, piece))
    inverse = pieces[-1][1]
    for bound, piece in reversed(pieces[:-1]):
        assert bound is not None  # only the last band is unbounded
        inverse = f"IF({reward}<={num(bound)},{piece},{inverse})"
    return f"MAX({floor},ROUNDUP(ROUND({inverse},7),2))"


def checklist_summary(policy: Policy, kind_cell: str, rng: str, cells: Sequence[str]) -> str:
    """``齐全 9/9`` / ``缺 2 项：3、7`` like MV_CHECKLIST, natively: missing = not provided and not N/A."""
    statuses = policy.checklist_statuses
    assert statuses is not None

    def any_of(cell: str, values: Sequence[str]) -> str:
        return f"OR({','.join(f'{cell}={quote(v)}' for v in values)})" if values else "FALSE"

    # “Not applicable” counts as provided only for an item no kind's list makes mandatory; on a mandatory
    # item it is missing, as in xlmv.checklist.summarize.
    lists = [c for c in policy.checklists if c.items]
    optional = [
        bool(lists) and all(n < len(c.items) and not c.items[n].mandatory for c in lists)
        for n in range(len(cells))
    ]
    na = [
        any_of(c, statuses.not_applicable) if opt else "FALSE" for c, opt in zip(cells, optional, strict=True)
    ]
    ok = [f"OR({any_of(c, statuses.provided)},{a})" for c, a in zip(cells, na, strict=True)]
    missing_count = "+".join(f"IF({o},0,1)" for o in ok)
    missing_list = "&".join(f'IF({o},"","{n}、")' for n, o in enumerate(ok, start=1))
    na_count = "+".join(f"IF({a},1,0)" for a in na)
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
