"""``xlmv policy show``: a policy's bands, floors, caps and cited clauses as Chinese text tables."""

from __future__ import annotations

from xlmv.money import format_yuan
from xlmv.policy import Policy
from xlmv.texttable import render

_SCOPES = {
    "project_cumulative": "单个项目累计",
    "project_yearly": "单个项目每年",
    "enterprise_yearly": "单一企业每年",
}


def _percent(rate: object) -> str:
    return f"{float(str(rate)) * 100:g}%"


def policy_text(policy: Policy, source: str) -> str:
    """Every number the engine uses, with its clause, grouped by what it does."""
    lines = [f"政策：{policy.title}（{policy.label}）", f"来源：{policy.source}；数据文件：{source}", ""]
    bands = []
    for kind in policy.kinds:
        lower = format_yuan(0)
        for band in kind.bands:
            upper = format_yuan(band.upper) if band.upper is not None else "—"
            low = format_yuan(kind.floor.amount) if band.tier == 1 and kind.floor else lower
            bands.append([kind.label, band.label, low, upper, _percent(band.rate), band.clause])
            lower = upper
    lines += [
        "奖励分档（超额累进，上限所在档含上限）：",
        render(
            ["奖励方式", "档位", "下限（元）", "上限（元）", "比例不超过", "条款"], bands, right=(2, 3, 4)
        ),
        "",
    ]
    floors = [
        [
            k.label,
            k.base_label,
            format_yuan(k.floor.amount) if k.floor else "无",
            k.floor.clause if k.floor else k.basis_clause,
        ]
        for k in policy.kinds
    ]
    lines += ["申报起点：", render(["奖励方式", "奖励基数", "起点（元）", "条款"], floors, right=(2,)), ""]
    caps = [
        [k.label, _SCOPES[k.cap.scope], format_yuan(k.cap.amount), k.cap.clause]
        for k in policy.kinds
        if k.cap
    ]
    if policy.enterprise_cap:
        cap = policy.enterprise_cap
        caps.append(["全部方式", "单一企业每个自然年", format_yuan(cap.amount), cap.clause])
    lines += [
        "奖励上限：",
        render(["适用", "范围", "上限（元）", "条款"], caps, right=(2,)) if caps else "（无）",
        "",
    ]
    clauses = [[rule.clause, rule.text] for rule in policy.requirements.values()]
    if policy.usage_window:
        window = policy.usage_window
        clauses.append([window.clause, f"使用期间自 {window.start} 起：{window.text}"])
    if policy.legal_person:
        rule = policy.legal_person
        clauses.append([rule.clause, f"统一社会信用代码第1–2位应为 {'、'.join(rule.eligible)}：{rule.text}"])
    clauses.sort(key=lambda row: row[0])
    lines += ["规则与条款：", render(["条款", "原文或要点"], clauses) if clauses else "（无）"]
    return "\n".join(lines)
