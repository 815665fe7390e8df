"""The review workbook's live formulas: 复核明细 and 按企业汇总 recalculate themselves in any spreadsheet.

Written by ``xlmv batch`` and rewritten by ``xlmv recalc`` from the same policy data and the same rules as
``caps.compute`` (RULE.md), with only SUMIFS, COUNTIFS, MIN, MAX, ROUND, IF, AND and ISNUMBER over bounded
ranges, so Excel (desktop and web), WPS, LibreOffice and Gnumeric evaluate them with no add-in.

Per 复核明细 row (a product that takes part):

* 测算奖励上限 — each item's maximum from ``xlmv.formula`` (the engine's generator), rounded to the fen,
  summed (RULE.md 1–2). The amounts are the declaration's (计奖金额明细), written into the formula;
* 审定后 (hidden) — ``ROUND(ROUND(max × ratio, 7), 2)``, a blank ratio counting as 100 % (RULE.md 3);
* 同项目在先申报 — the sum of 项目上限后 of the earlier rows of the same project, as explicit cell
  references (the rows are known when the formula is written; adding rows needs ``recalc``);
* 项目上限后 — ``MIN(审定后, MAX(cap − 本项目已获奖励 − 同项目在先申报, 0))`` (RULE.md 4);
* 企业年度上限后 — the enterprise-year cap less 按企业汇总's 本年已获 of the row's group (SUMIFS by
  分组号), shared by the workbook's allocation rule over the rows of the group in the documented order
  (顺序: application date, source file, product number — ``caps.order_key``). With S≤ and S< the sums of
  项目上限后 of the group's rows up to and including / before this one, and A the room:

  - in_order: ``MIN(S≤, A) − MIN(S<, A)``, which is the engine's "grant in order until the cap is used";
  - pro_rata: the row's own amount when the group's sum T ≤ A, else
    ``ROUND(ROUND(A×S≤/T,7),2) − ROUND(ROUND(A×S</T,7),2)``: ``xlmv.reward.allocate``'s cumulative rounding.

Per 按企业汇总 row: 申报项目数 (COUNTIFS), 测算合计 and 可获合计 (SUMIFS over the group's rows, so the
rows sum exactly to the total), 是否触及年度上限.

Every live cell has a hidden ``引擎值·`` twin with the engine's value, every editable cell a hidden
``原值·`` snapshot; 输入已改 (hidden) is 1 where an editable cell differs from its snapshot, and the
visible 核对 shows ✓ when the row's formulas equal the engine's values, else 已按新输入重算 when some input
of the same enterprise (企业号) changed, else 公式被改动.

Rounding against the engine: every figure is rounded by ``ROUND(ROUND(x,7),2)`` where the engine uses
``xlmv.reward.pro_rata_round`` (half up to the fen after 7 places), and Excel's ROUND rounds half away
from zero, which is half up for these non-negative amounts; the inner ROUND drops binary noise. All other
steps add, subtract or compare fen amounts, which floats hold to well under a fen at these magnitudes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xlmv.formula import item_reward_formula, literal, rounded
from xlmv.money import ZERO, to_fen
from xlmv.policy import Policy
from xlmv.reward import Allocation
from xlmv_workbook.review.caps import (
    NO,
    YES,
    GroupResult,
    RowInput,
    RowResult,
    fen_scaled,
    group_key,
    order_key,
    project_key,
)
from xlmv_workbook.review.ledger import normalise_uscc
from xlmv_workbook.review.sheets import DETAIL, SUMMARY, Formula, H, engine_header, snapshot_header

OK, LIVE, TAMPERED = "✓", "已按新输入重算", "公式被改动"
DETAIL_LIVE = (H.MAX_REWARD, H.SCALED, H.BATCH_PRIOR, H.CAPPED, H.GRANTED)
SUMMARY_LIVE = (H.PROJECTS, H.REQUESTED, H.TOTAL, H.BINDING)
DETAIL_INPUTS = (H.RATIO, H.PRIOR)
SUMMARY_INPUTS = (H.YEAR_PRIOR,)
# Every cell a formula is written to (what recalc restores and check-review inspects).
DETAIL_FORMULAS = (*DETAIL_LIVE, H.CHANGED, H.CHECK)
SUMMARY_FORMULAS = (*SUMMARY_LIVE, H.CHANGED, H.CHECK)


@dataclass(frozen=True)
class Structure:
    """What the formulas need to know about the rows, beyond the cells: ids and the project chains."""

    order: list[int | None]  # per row its place in the documented order (1-based); None: takes no part
    group: list[int | None]  # per row its 分组号
    enterprise: list[int | None]  # per row its 企业号
    earlier: list[list[int]]  # per row the indexes of earlier rows of the same project
    group_numbers: dict[str, int]  # group key → 分组号
    enterprise_numbers: dict[str, int]  # enterprise id → 企业号


def enterprise_id(row: RowInput) -> str:
    return normalise_uscc(row.uscc) or "文件:" + row.source


def structure(policy: Policy, rows: Sequence[RowInput], group_keys: Sequence[str] = ()) -> Structure:
    """Ids and project chains for ``rows``; ``group_keys`` first (the summary's rows, in its order)."""
    readable = [n for n, r in enumerate(rows) if r.readable]
    ordered = sorted(readable, key=lambda n: order_key(rows[n]))
    order: list[int | None] = [None] * len(rows)
    for place, n in enumerate(ordered, start=1):
        order[n] = place
    found = [group_key(rows[n].uscc, rows[n].year, rows[n].source) for n in ordered]
    keys = list(dict.fromkeys([*group_keys, *found]))
    group_numbers = {k: i for i, k in enumerate(keys, start=1)}
    firms = sorted({enterprise_id(rows[n]) for n in readable})
    enterprise_numbers = {e: i for i, e in enumerate(firms, start=1)}
    group: list[int | None] = [None] * len(rows)
    enterprise: list[int | None] = [None] * len(rows)
    for n in readable:
        group[n] = group_numbers[group_key(rows[n].uscc, rows[n].year, rows[n].source)]
        enterprise[n] = enterprise_numbers[enterprise_id(rows[n])]
    earlier: list[list[int]] = [[] for _ in rows]
    chains: dict[tuple[str, str, int | None], list[int]] = {}
    for n in ordered:
        key = project_key(policy, rows[n])
        if key is None:
            continue
        earlier[n] = list(chains.get(key, []))
        chains.setdefault(key, []).append(n)
    return Structure(order, group, enterprise, earlier, group_numbers, enterprise_numbers)


def _quote(sheet: str) -> str:
    return f"'{sheet}'!"


@dataclass(frozen=True)
class Layout:
    """Where things are: column letters by header on each sheet and the data rows' bounds."""

    detail: Mapping[str, str]
    summary: Mapping[str, str]
    detail_first: int
    detail_last: int
    summary_first: int
    summary_last: int

    def d(self, header: str, *, other: bool = False) -> str:
        """A bounded, absolute range of a 复核明细 column."""
        c = self.detail[header]
        prefix = _quote(DETAIL) if other else ""
        return f"{prefix}${c}${self.detail_first}:${c}${max(self.detail_last, self.detail_first)}"

    def s(self, header: str, *, other: bool = False) -> str:
        c = self.summary[header]
        prefix = _quote(SUMMARY) if other else ""
        return f"{prefix}${c}${self.summary_first}:${c}${max(self.summary_last, self.summary_first)}"


def _same(cell: str, engine: str, *, text: bool = False) -> str:
    """A condition true when ``cell`` holds what the engine wrote (to the fen); false for typed text."""
    if text:
        return f"{cell}={engine}"
    return f"IF(ISNUMBER({cell}),ROUND({cell}-{engine},2),1)=0"


def _check(conditions: Sequence[str], changed: str) -> str:
    return f'IF(AND({",".join(conditions)}),"{OK}",IF({changed}>0,"{LIVE}","{TAMPERED}"))'


def detail_cells(
    policy: Policy,
    allocation: Allocation,
    rows: Sequence[RowInput],
    results: Sequence[RowResult | None],
    shape: Structure,
    layout: Layout,
    sheet_rows: Sequence[int],
    inputs: Sequence[Mapping[str, object]],
) -> list[dict[str, object]]:
    """Per 复核明细 row, header → value or ``Formula`` for the computed columns (blank where the row takes
    no part). ``inputs`` are each row's editable cells as they stand (the snapshots)."""
    out: list[dict[str, object]] = []
    c = layout.detail
    cap = policy.enterprise_cap
    for n, (row, result) in enumerate(zip(rows, results, strict=True)):
        r = sheet_rows[n]
        values: dict[str, object] = {
            H.ORDER: shape.order[n],
            H.GROUP_NO: shape.group[n],
            H.ENTERPRISE_NO: shape.enterprise[n],
        }
        for header in DETAIL_LIVE:
            values[header] = values[engine_header(header)] = None
        values[H.CHANGED] = values[H.CHECK] = None
        for header in DETAIL_INPUTS:
            values[snapshot_header(header)] = inputs[n].get(header)
        if result is None or row.kind is None:
            out.append(values)
            continue
        kind = policy.kind(row.kind)
        at = {h: f"{c[h]}{r}" for h in c}
        if kind.basis == "per_service":
            items = [rounded(item_reward_formula(kind, literal(a))) for a in row.amounts]
        else:
            total = sum(row.amounts, ZERO)
            items = [rounded(item_reward_formula(kind, literal(total)))] if row.amounts else []
        maximum = "+".join(items) or "0"
        scaled = rounded(f'{at[H.MAX_REWARD]}*IF({at[H.RATIO]}="",1,{at[H.RATIO]})')
        chain = "+".join(f"{c[H.CAPPED]}{sheet_rows[e]}" for e in shape.earlier[n]) or "0"
        if kind.cap is not None:
            room = f"MAX({literal(kind.cap.amount)}-{at[H.PRIOR]}-{at[H.BATCH_PRIOR]},0)"
            capped = f"ROUND(MIN({at[H.SCALED]},{room}),2)"
        else:
            capped = f"ROUND({at[H.SCALED]},2)"
        if cap is None:
            granted = f"ROUND({at[H.CAPPED]},2)"
        else:
            g = at[H.GROUP_NO]
            prior = f"SUMIFS({layout.s(H.YEAR_PRIOR, other=True)},{layout.s(H.GROUP_NO, other=True)},{g})"
            room = f"MAX({literal(cap.amount)}-{prior},0)"
            same = f"{layout.d(H.CAPPED)},{layout.d(H.GROUP_NO)},{g},{layout.d(H.ORDER)}"
            upto = f'SUMIFS({same},"<="&{at[H.ORDER]})'
            before = f'SUMIFS({same},"<"&{at[H.ORDER]})'
            if allocation is Allocation.IN_ORDER:
                granted = f"ROUND(MIN({upto},{room})-MIN({before},{room}),2)"
            else:
                total = f"SUMIFS({layout.d(H.CAPPED)},{layout.d(H.GROUP_NO)},{g})"
                granted = (
                    f"IF({total}<={room},{at[H.CAPPED]},"
                    f"{rounded(f'{room}*{upto}/{total}')}-{rounded(f'{room}*{before}/{total}')})"
                )
        engine = {
            H.MAX_REWARD: to_fen(result.max_reward),
            H.SCALED: fen_scaled(result.max_reward, row.ratio),
            H.BATCH_PRIOR: to_fen(result.batch_prior),
            H.CAPPED: to_fen(result.capped),
            H.GRANTED: to_fen(result.granted),
        }
        texts = {
            H.MAX_REWARD: maximum,
            H.SCALED: scaled,
            H.BATCH_PRIOR: chain,
            H.CAPPED: capped,
            H.GRANTED: granted,
        }
        for header in DETAIL_LIVE:
            values[header] = Formula(texts[header], engine[header])
            values[engine_header(header)] = engine[header]
        same_inputs = ",".join(f"{at[h]}={at[snapshot_header(h)]}" for h in DETAIL_INPUTS)
        values[H.CHANGED] = Formula(f"IF(AND({same_inputs}),0,1)", 0)
        changed = (
            f"SUMIFS({layout.d(H.CHANGED)},{layout.d(H.ENTERPRISE_NO)},{at[H.ENTERPRISE_NO]})"
            f"+SUMIFS({layout.s(H.CHANGED, other=True)},{layout.s(H.ENTERPRISE_NO, other=True)},"
            f"{at[H.ENTERPRISE_NO]})"
        )
        conditions = [_same(at[h], at[engine_header(h)]) for h in DETAIL_LIVE]
        values[H.CHECK] = Formula(_check(conditions, changed), OK)
        out.append(values)
    return out


def summary_cells(
    policy: Policy,
    keys: Sequence[str],
    groups: Mapping[str, GroupResult],
    shape: Structure,
    layout: Layout,
    sheet_rows: Sequence[int],
    inputs: Sequence[Mapping[str, object]],
) -> list[dict[str, object]]:
    """Per 按企业汇总 row (group ``keys[n]`` at ``sheet_rows[n]``), header → value or ``Formula``."""
    out: list[dict[str, object]] = []
    c = layout.summary
    cap = policy.enterprise_cap
    firms = {key: shape.enterprise_numbers.get(key.rsplit("|", 1)[0]) for key in keys}
    for n, key in enumerate(keys):
        r = sheet_rows[n]
        at = {h: f"{c[h]}{r}" for h in c}
        group = groups.get(key)
        number = shape.group_numbers.get(key)
        firm = firms[key]
        in_group = f"{layout.d(H.GROUP_NO, other=True)},{at[H.GROUP_NO]}"
        binding = (
            f'IF(ROUND({at[H.REQUESTED]}-MAX({literal(cap.amount)}-{at[H.YEAR_PRIOR]},0),2)>0,"{YES}","{NO}")'
            if cap is not None
            else f'"{NO}"'
        )
        texts = {
            H.PROJECTS: f'COUNTIFS({in_group},{layout.d(H.SLOT, other=True)},">0")',
            H.REQUESTED: f"ROUND(SUMIFS({layout.d(H.CAPPED, other=True)},{in_group}),2)",
            H.TOTAL: f"ROUND(SUMIFS({layout.d(H.GRANTED, other=True)},{in_group}),2)",
            H.BINDING: binding,
        }
        engine: dict[str, object] = (
            {H.PROJECTS: 0, H.REQUESTED: ZERO, H.TOTAL: ZERO, H.BINDING: NO}
            if group is None
            else {
                H.PROJECTS: group.projects,
                H.REQUESTED: to_fen(group.requested),
                H.TOTAL: to_fen(group.total),
                H.BINDING: YES if group.binding else NO,
            }
        )
        values: dict[str, object] = {H.GROUP_NO: number, H.ENTERPRISE_NO: firm}
        for header in SUMMARY_LIVE:
            values[header] = Formula(texts[header], engine[header])
            values[engine_header(header)] = engine[header]
        for header in SUMMARY_INPUTS:
            values[snapshot_header(header)] = inputs[n].get(header)
        same_inputs = ",".join(f"{at[h]}={at[snapshot_header(h)]}" for h in SUMMARY_INPUTS)
        values[H.CHANGED] = Formula(f"IF(AND({same_inputs}),0,1)", 0)
        firm_ref = at[H.ENTERPRISE_NO]
        changed = (
            f"SUMIFS({layout.s(H.CHANGED)},{layout.s(H.ENTERPRISE_NO)},{firm_ref})"
            f"+SUMIFS({layout.d(H.CHANGED, other=True)},{layout.d(H.ENTERPRISE_NO, other=True)},{firm_ref})"
        )
        conditions = [_same(at[h], at[engine_header(h)], text=h == H.BINDING) for h in SUMMARY_LIVE]
        values[H.CHECK] = Formula(_check(conditions, changed), OK)
        out.append(values)
    return out
