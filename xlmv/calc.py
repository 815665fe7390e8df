"""``xlmv calc``: rewards for amounts typed on the command line, as a Chinese table or as JSON.

Every shown set of rows adds up to the total below it (README 计算口径): tier rows to the service's
maximum, services' maxima to the project's, and, when an approved ratio changes the money, the services'
scaled shares to the scaled project figure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from xlmv.money import ZERO, fen_str, format_yuan
from xlmv.policy import Kind, Policy
from xlmv.reward import (
    EnterpriseResult,
    ItemResult,
    KindResult,
    NextStep,
    apply_enterprise_cap,
    compute_kind,
    next_step,
)
from xlmv.texttable import render


class Calculation(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: Policy
    projects: tuple[KindResult, ...]  # one project per kind, in the policy's order of kinds
    enterprise: EnterpriseResult

    def project(self, kind_id: str) -> KindResult | None:
        return next((r for r in self.projects if r.kind == kind_id), None)

    @property
    def api(self) -> KindResult | None:
        return self.project("api")

    @property
    def private(self) -> KindResult | None:
        return self.project("private")


def calculate(
    policy: Policy,
    api: list[Decimal],
    private: Decimal | None,
    *,
    prior_year_award: Decimal = ZERO,
    prior_api: Decimal = ZERO,
    prior_private: Decimal = ZERO,
    approved_ratio: Decimal | None = None,
) -> Calculation:
    """One API project (several model services) and one private-deployment project of one enterprise."""
    amounts = {"api": list(api), "private": [] if private is None else [private]}
    return calculate_kinds(
        policy,
        {k: v for k, v in amounts.items() if v},
        priors={"api": prior_api, "private": prior_private},
        prior_year_award=prior_year_award,
        approved_ratio=approved_ratio,
    )


def calculate_kinds(
    policy: Policy,
    amounts: Mapping[str, Sequence[Decimal]],
    *,
    priors: Mapping[str, Decimal] | None = None,
    prior_year_award: Decimal = ZERO,
    approved_ratio: Decimal | None = None,
) -> Calculation:
    """One project per kind of ``policy`` (kind id → its amounts: the services of a per-service kind, the
    one base of a per-project kind), then the enterprise cap over them: any scheme, no code per kind."""
    priors = priors or {}
    projects = tuple(
        compute_kind(
            policy,
            kind.id,
            list(amounts[kind.id]),
            prior_award=priors.get(kind.id, ZERO),
            approved_ratio=approved_ratio,
        )
        for kind in policy.kinds
        if amounts.get(kind.id)
    )
    enterprise = apply_enterprise_cap(policy, [r.reward for r in projects], prior_same_year=prior_year_award)
    return Calculation(policy=policy, projects=projects, enterprise=enterprise)


def _item(item: ItemResult) -> dict[str, object]:
    return {
        "amount": fen_str(item.amount),
        "eligible": item.eligible,
        "tier": item.tier,
        "reward": fen_str(item.reward),  # after the approved ratio, before the project cap
        "max_reward": fen_str(item.max_reward),  # the tiers' rewards add up to it
        "tiers": [
            {"tier": r.tier, "base": fen_str(r.base), "rate": str(r.rate), "reward": fen_str(r.reward)}
            for r in item.rows
        ],
    }


def _next(result: KindResult) -> NextStep:
    return next_step(
        [i.amount for i in result.items], _kind(result), result.cap.prior if result.cap else ZERO
    )


def _kind(result: KindResult) -> Kind:
    return _POLICY_OF[result.policy].kind(result.kind)


def _labels(result: KindResult) -> list[str] | None:
    return [i.label for i in result.items] if _kind(result).basis == "per_service" else None


def _project(result: KindResult) -> dict[str, object]:
    """Fields every project carries (added beside the older ones, which stay as they were)."""
    step = _next(result)
    return {
        "approved_ratio": str(result.approved_ratio),
        "max_reward": fen_str(result.max_reward),
        "next_step": {
            "target": step.target,
            "target_tier": step.target_tier,
            "item": step.item,
            "threshold": None if step.threshold is None else fen_str(step.threshold),
            "needed": fen_str(step.needed),
            "text": step.text(_kind(result), _labels(result)),
        },
    }


def _cap(result: KindResult) -> dict[str, object] | None:
    if result.cap is None:
        return None
    return {
        "limit": fen_str(result.cap.limit),
        "available": fen_str(result.cap.available),
        "binding": result.cap.binding,
    }


def to_json(calc: Calculation) -> str:
    _POLICY_OF[calc.policy.id] = calc.policy
    out: dict[str, object] = {"policy": calc.policy.id, "policy_version": calc.policy.version}
    for result in calc.projects:  # keyed by kind id: ``api`` and ``private`` for the Beijing scheme
        if _kind(result).basis == "per_service":
            shape: dict[str, object] = {"services": [_item(i) for i in result.items]}
        else:
            shape = _item(result.items[0])
        out[result.kind] = {
            **shape,
            "reward_before_cap": fen_str(result.reward_before_cap),
            "project_cap": _cap(result),
            "reward": fen_str(result.reward),
            **_project(result),
        }
    cap = calc.enterprise.cap
    out["enterprise_cap"] = (
        None
        if cap is None
        else {
            "limit": fen_str(cap.limit),
            "prior": fen_str(cap.prior),
            "available": fen_str(cap.available),
            "binding": cap.binding,
        }
    )
    out["total"] = fen_str(calc.enterprise.total)
    out["granted"] = [fen_str(g) for g in calc.enterprise.granted]  # per project, adds up to the total
    return json.dumps(out, ensure_ascii=False, indent=2)


def _rate(rate: Decimal) -> str:
    return f"{rate * 100:.0f}%" if (rate * 100) == (rate * 100).to_integral() else f"{rate * 100}%"


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def to_table(calc: Calculation) -> str:
    _POLICY_OF[calc.policy.id] = calc.policy
    header = ["方式", "项目/服务", "金额（元）", "档位", "奖励基数（元）", "比例上限", "奖励（元）"]
    rows: list[list[str]] = []
    notes: list[str] = []
    for result in calc.projects:
        k = result.kind_label

        def line(label: str, amount: Decimal, sign: str = "", *, k: str = k) -> list[str]:
            return [k, label, "", "", "", "", sign + format_yuan(amount)]

        for item in result.items:
            if not item.eligible:
                rows.append([k, item.label, format_yuan(item.amount), "不达标", "-", "-", "0.00"])
            for r in item.rows:
                rows.append(
                    [
                        k,
                        item.label,
                        format_yuan(item.amount),
                        r.label,
                        format_yuan(r.base),
                        _rate(r.rate),
                        format_yuan(r.reward),
                    ]
                )
        if result.ratio_applied:
            # the tier rows add up to the maximum; the ratio scales it, per service by largest remainder
            ratio = _percent(result.approved_ratio)
            rows.append(line("最高奖励合计（按比例上限）", result.max_reward))
            if len(result.items) > 1:
                rows.extend(line(f"{i.label} × 审定比例 {ratio}", i.reward) for i in result.items)
            rows.append(line(f"小计（审定比例 {ratio}，上限前）", result.reward_before_cap))
        else:
            rows.append(line("小计（上限前）", result.reward_before_cap))
        if result.cap is not None and result.cap.binding:
            rows.append(line(f"{result.cap.name}（{result.cap.clause}）", result.cap.reduced_by, "-"))
        rows.append(line("项目奖励", result.reward))
        notes.append(
            f"{k} 距下一档（或项目上限）还需投入：{_next(result).text(_kind(result), _labels(result))}"
        )
    lines = [
        f"政策：{calc.policy.title}（{calc.policy.label}）",
        "",
        render(header, rows, right=(2, 4, 5, 6)),
        "",
    ]
    cap = calc.enterprise.cap
    if cap is not None:
        lines.append(
            f"{cap.name}（{cap.clause}）：{format_yuan(cap.limit)} 元，本年已获 {format_yuan(cap.prior)} 元，"
            f"可获 {format_yuan(cap.available)} 元"
            + (f"，核减 {format_yuan(cap.reduced_by)} 元" if cap.binding else "")
        )
    lines.append(f"合计奖励：{format_yuan(calc.enterprise.total)} 元")
    lines.extend(notes)
    return "\n".join(lines)


_POLICY_OF: dict[str, Policy] = {}  # results name their policy by id; the calculation holds the policy
