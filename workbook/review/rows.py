"""The review rows of a batch: one per declared product (or unreadable file), the duplicate-application
warnings, the priors that count, and the values written to the review sheets.

Which prior award counts (the caps themselves are ``caps.compute``'s):

* a project's prior (项目上限, 附件3 二.1/二.2): the ledger's, when the ledger has the project (same
  统一社会信用代码 and product name) — the ledger is the office's own record and wins over what the
  applicant typed; otherwise the workbook's 本项目已获奖励;
* an enterprise's prior in a year (二.3): the ledger's sum for that code and year, when it has rows for
  them; otherwise the largest 本自然年已获本政策奖励 among that enterprise's applications of that year.
  Each application states the enterprise's running total as of its own filing, so the same earlier
  awards are stated again in every application: the sum would count them twice, and the largest is
  the most recent complete figure.

Findings are the files' own (``xlmv check``'s), without the single-application cap notices (the caps are
recomputed across applications here), plus a warning for every product that appears in more than one
application of the same enterprise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xlmv.findings import Severity
from xlmv.money import ZERO, to_fen
from xlmv.policy import Policy
from xlmv_workbook.review import sheets as review
from xlmv_workbook.review.caps import (
    NO,
    UNREADABLE,
    YES,
    GroupResult,
    RowInput,
    RowResult,
    group_key,
    tier_label,
)
from xlmv_workbook.review.ledger import Ledger, normalise_name, normalise_uscc
from xlmv_workbook.review.reading import FileOutcome, Issue, ProductLine
from xlmv_workbook.review.sheets import H

DUPLICATE_CLAUSE = "附件3 二.1、二.2"
PASSED, HAS_ERRORS, HAS_WARNINGS = "通过", "有错误", "有警告"


@dataclass
class _Row:
    """One 复核明细 row before and after the caps."""

    outcome: FileOutcome
    product: ProductLine | None
    input: RowInput
    prior_source: str = ""
    issues: list[Issue] = field(default_factory=list)  # the file's own findings for this row
    batch_issues: list[Issue] = field(default_factory=list)  # found across applications (duplicates)
    note: str = ""

    @property
    def all_issues(self) -> list[Issue]:
        return self.issues + self.batch_issues


def _rows(outcomes: Sequence[FileOutcome], policy: Policy, ledger: Ledger | None) -> list[_Row]:
    rows: list[_Row] = []
    for o in outcomes:
        if o.error is not None:
            rows.append(
                _Row(o, None, RowInput(o.path, "", "", None, None, 0, "", None, readable=False), note=o.error)
            )
            continue
        year = o.date.year if o.date else None
        common = {"source": o.path, "company": o.company, "uscc": o.uscc, "year": year, "date": o.date}
        file_issues = [i for i in o.issues if i.product is None]
        if not o.products:
            rows.append(
                _Row(
                    o,
                    None,
                    RowInput(slot=0, name="", kind=None, **common),
                    issues=file_issues,
                    note="未填写申报产品",
                )
            )
            continue
        for p in o.products:
            prior, source = p.prior, "申报表"
            if ledger is not None and p.kind is not None:
                kind = policy.kind(p.kind)
                found = ledger.project_prior(o.uscc, p.name, year, yearly=kind.cap_is_yearly)
                if found is not None:
                    prior, source = found, "台账"
            rows.append(
                _Row(
                    o,
                    p,
                    RowInput(
                        slot=p.slot,
                        name=p.name,
                        kind=p.kind,
                        amounts=p.amounts,
                        ratio=Decimal(1) if p.ratio is None else p.ratio,
                        prior=prior,
                        **common,
                    ),
                    prior_source=source,
                    issues=file_issues + [i for i in o.issues if i.product == p.index],
                    note="" if p.kind is not None else "申报方式无法识别，未测算奖励",
                )
            )
    return rows


def _duplicates(rows: Sequence[_Row]) -> list[tuple[_Row, Issue]]:
    """A warning for each product that appears in more than one place for the same enterprise."""
    seen: dict[tuple[str, str], list[_Row]] = {}
    for row in rows:
        if row.product is None:
            continue
        code, name = normalise_uscc(row.input.uscc), normalise_name(row.product.name)
        if code and name:
            seen.setdefault((code, name), []).append(row)
    out = []
    for (code, _), same in seen.items():
        if len(same) < 2:
            continue
        places = "、".join(f"{r.outcome.path} 产品{r.input.slot}" for r in same)
        for row in same:
            assert row.product is not None
            message = (
                f"疑似重复申报：统一社会信用代码 {code} 的项目“{row.product.name}”出现在 {len(same)} 处（{places}）；"
                "请核实。重算时按申报先后，在先申报的项目上限后金额计入在后申报的项目已获奖励"
            )
            out.append(
                (
                    row,
                    Issue(
                        row.product.name_cell, Severity.WARNING, message, DUPLICATE_CLAUSE, row.product.index
                    ),
                )
            )
    return out


def _year_priors(rows: Sequence[_Row], ledger: Ledger | None) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Per group key the enterprise's prior award that year, and where it came from."""
    declared: dict[str, Decimal] = {}
    uscc_year: dict[str, tuple[str, int | None]] = {}
    for row in rows:
        if not row.input.readable:
            continue
        key = group_key(row.input.uscc, row.input.year, row.input.source)
        declared[key] = max(declared.get(key, ZERO), row.outcome.prior_year_award)
        uscc_year[key] = (row.input.uscc, row.input.year)
    priors, sources = {}, {}
    for key, amount in declared.items():
        from_ledger = None
        code, year = uscc_year[key]
        if ledger is not None and normalise_uscc(code):
            from_ledger = ledger.enterprise_prior(code, year)
        priors[key], sources[key] = (from_ledger, "台账") if from_ledger is not None else (amount, "申报表")
    return priors, sources


def _status(issues: Sequence[Issue]) -> str:
    if any(i.severity is Severity.ERROR for i in issues):
        return HAS_ERRORS
    return HAS_WARNINGS if issues else PASSED


def _detail_row(row: _Row, result: RowResult | None, policy: Policy) -> dict[str, object]:
    """One 复核明细 row by header."""
    r, p = row.input, row.product
    if not r.readable:
        return {H.SOURCE: r.source, H.ISSUE_COUNT: 1, H.STATUS: UNREADABLE, H.NOTE: row.note}
    values: dict[str, object] = {
        H.SOURCE: r.source,
        H.COMPANY: r.company,
        H.USCC: r.uscc,
        H.YEAR: r.year,
        H.ISSUE_COUNT: len(row.all_issues),
        H.STATUS: _status(row.all_issues),
        H.DATE: r.date,
        H.NOTE: row.note,
    }
    if p is None:
        return values
    values |= {
        H.SLOT: r.slot,
        H.PRODUCT: r.name,
        H.KIND: p.kind_text,
        H.PRIOR: to_fen(r.prior),
        H.PRIOR_SOURCE: row.prior_source,
    }
    if r.kind is None or result is None:
        return values
    return values | {
        H.CLAIMED: to_fen(sum(r.amounts, ZERO)) if r.amounts else None,
        H.TIER: tier_label(policy, r.kind, result.tier),
        H.MAX_REWARD: to_fen(result.max_reward),
        H.RATIO: r.ratio,
        H.CAPPED: to_fen(result.capped),
        H.GRANTED: to_fen(result.granted),
        H.BATCH_PRIOR: to_fen(result.batch_prior),
        H.AMOUNTS: ";".join(str(a) for a in r.amounts),
    }


def _summary_row(group: GroupResult, source: str) -> dict[str, object]:
    """One 按企业汇总 row by header."""
    return {
        H.ENTERPRISE: group.company,
        H.USCC: group.uscc,
        H.GROUP_YEAR: group.year,
        H.PROJECTS: group.projects,
        H.REQUESTED: to_fen(group.requested),
        H.YEAR_PRIOR: to_fen(group.prior),
        H.YEAR_PRIOR_SOURCE: source,
        H.TOTAL: to_fen(group.total),
        H.BINDING: YES if group.binding else NO,
        H.GROUP: group.key,
    }


def _ordered(values: dict[str, object], columns: Sequence[review.Column]) -> list[object]:
    return [values.get(c.header) for c in columns]
