"""Issue 13, "one home for each rule": whether a project cap is yearly is a property of the policy's
``Kind``, and the caps' names come from the policy data, not from literals in the engine."""

from __future__ import annotations

from decimal import Decimal

from xlmv.policy import load_policy
from xlmv.reward import apply_enterprise_cap, compute_kind

BEIJING = load_policy()


def test_cap_is_yearly_is_read_from_the_scope() -> None:
    assert BEIJING.kind("api").cap_is_yearly is False  # 附件3 二.1: cumulative
    assert BEIJING.kind("private").cap_is_yearly is True  # 附件3 二.2: per year
    assert load_policy("flat-voucher-example").kinds[0].cap_is_yearly is False  # no project cap


def test_cap_names_come_from_the_policy() -> None:
    api = BEIJING.kind("api")
    assert api.cap is not None and BEIJING.enterprise_cap is not None
    renamed_kind = api.model_copy(update={"cap": api.cap.model_copy(update={"name": "测试项目上限"})})
    result = compute_kind(BEIJING, renamed_kind, [Decimal(50_000_000)])
    assert result.cap is not None and result.cap.name == "测试项目上限"
    assert "触及测试项目上限" in result.findings[-1].message
    renamed = BEIJING.model_copy(
        update={"enterprise_cap": BEIJING.enterprise_cap.model_copy(update={"name": "测试企业上限"})}
    )
    capped = apply_enterprise_cap(renamed, [Decimal(6_000_000)])
    assert capped.cap is not None and capped.cap.name == "测试企业上限"
