"""The bundled policy data says what the policy text says, malformed policy files are rejected with a
Chinese message naming the file and the field, and a second scheme runs through the same engine."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from xlmv.formula import item_reward_formula, project_reward_formula, tier_formula
from xlmv.identifiers import industry
from xlmv.money import to_fen
from xlmv.policy import (
    Policy,
    PolicyError,
    bundled_policy_ids,
    load_policy,
    load_policy_file,
    parse_policy,
)
from xlmv.reward import Allocation, apply_enterprise_cap, compute_kind, max_reward_of, tier_of

BEIJING = load_policy("beijing-2024")
BEIJING_TEXT = (resources.files("xlmv.policies") / "beijing-2024.toml").read_text(encoding="utf-8")
WAN = Decimal(10_000)


# --- the bundled Beijing 2024 policy -----------------------------------------------------------------


def test_identity() -> None:
    assert BEIJING.id == "beijing-2024"
    assert BEIJING.label == "beijing-2024@2024.1"
    assert bundled_policy_ids() == ["beijing-2024", "flat-voucher-example"]
    assert load_policy() == BEIJING  # the default
    assert load_policy("beijing-2024") is BEIJING  # parsed once per process


def test_floors() -> None:
    api, private = BEIJING.kind("api"), BEIJING.kind("private")
    assert api.floor is not None and private.floor is not None
    assert (api.floor.amount, api.floor.clause) == (10 * WAN, "附件3 一.7")
    assert (private.floor.amount, private.floor.clause) == (50 * WAN, "附件3 一.8")
    assert "不低于10万元" in api.floor.text and "不低于50万元" in private.floor.text


def test_bands() -> None:
    api, private = BEIJING.kind("api"), BEIJING.kind("private")
    assert [(b.tier, b.upper, b.rate) for b in api.bands] == [
        (1, 100 * WAN, Decimal("0.50")),
        (2, 500 * WAN, Decimal("0.25")),
        (3, None, Decimal("0.10")),
    ]
    assert [(b.tier, b.upper, b.rate) for b in private.bands] == [
        (1, 200 * WAN, Decimal("0.20")),
        (2, 500 * WAN, Decimal("0.10")),
        (3, None, Decimal("0.05")),
    ]
    assert [b.label for b in api.bands] == ["第一档", "第二档", "第三档"]
    assert api.bands[0].clause == "附件3 二.4 API调用 第一档"
    assert private.bands[2].clause == "附件3 二.4 私有化部署 第三档"


def test_caps_and_bases() -> None:
    api, private = BEIJING.kind("api"), BEIJING.kind("private")
    assert api.cap is not None and private.cap is not None and BEIJING.enterprise_cap is not None
    assert (api.cap.amount, api.cap.scope, api.cap.clause) == (500 * WAN, "project_cumulative", "附件3 二.1")
    assert (private.cap.amount, private.cap.scope, private.cap.clause) == (
        500 * WAN,
        "project_yearly",
        "附件3 二.2",
    )
    ent = BEIJING.enterprise_cap
    assert (ent.amount, ent.period, ent.clause) == (500 * WAN, "calendar_year", "附件3 二.3")
    assert api.basis == "per_service" and private.basis == "per_project"
    assert private.excluded_fees == ("算力费用", "数据费用")
    assert (api.checklist, private.checklist) == ("附件3-1", "附件3-2")


def test_every_band_cap_and_floor_carries_a_clause() -> None:
    for kind in BEIJING.kinds:
        cited = [*kind.bands, kind.floor, kind.cap]
        for item in cited:
            assert item is not None
            assert item.clause.startswith("附件3"), item
            assert item.text, item
        assert kind.basis_clause.startswith("附件3")
    assert BEIJING.enterprise_cap is not None and BEIJING.enterprise_cap.clause == "附件3 二.3"


def test_scenarios_are_the_fourteen_of_the_text() -> None:
    assert BEIJING.scenarios is not None
    assert BEIJING.scenarios.items == (
        "教育", "医疗", "文化", "交通", "政务", "工业", "金融",
        "营销", "司法", "传媒", "能源", "影视", "游戏", "园林绿化",
    )  # fmt: skip
    assert len(BEIJING.scenarios.items) == 14


def test_unit_types_and_their_divisions() -> None:
    units = BEIJING.unit_types
    assert units is not None and units.clause == "附件3 一.1"
    by_label = {u.label: u for u in units.items}
    assert list(by_label) == ["软件信息服务业企业", "制造业企业", "科技服务业企业", "学校", "医院"]
    expected = {
        "软件信息服务业企业": ("I", {"63", "64", "65"}),
        "制造业企业": ("C", {f"{n:02d}" for n in range(13, 44)}),
        "科技服务业企业": ("M", {"73", "74", "75"}),
        "学校": ("P", {"83"}),
        "医院": ("Q", {"84"}),
    }
    for label, (section, codes) in expected.items():
        unit = by_label[label]
        assert unit.division_codes() == codes, label
        for code in codes:
            assert industry.division(code).section == section, (label, code)
    assert by_label["制造业企业"].divisions == ("13-43",)


def test_product_types_limits_and_window() -> None:
    assert BEIJING.product_types is not None
    assert BEIJING.product_types.items == ("API调用", "云端模型调优", "私有化部署", "智能体", "硬件终端结合")
    assert BEIJING.usage_window is not None
    assert (BEIJING.usage_window.start, BEIJING.usage_window.clause) == (dt.date(2024, 9, 1), "附件3 一.3")
    assert BEIJING.limits.description_chars is not None and BEIJING.limits.description_chars.value == 1000
    assert BEIJING.limits.private_contract_from is not None
    assert BEIJING.limits.private_contract_from.value == dt.date(2024, 9, 1)
    assert BEIJING.registration is not None and BEIJING.registration.region_prefix == "11"


def test_two_checklists_of_nine_items() -> None:
    assert [(c.id, c.kind, len(c.items)) for c in BEIJING.checklists] == [
        ("附件3-1", "api", 9),
        ("附件3-2", "private", 9),
    ]
    api_list, private_list = BEIJING.checklists
    assert api_list.items[2].title == "大模型API调用结算单（由大模型供给企业出具）"
    assert private_list.items[3].title == "项目验收报告"
    assert all(item.title and item.requirement for c in BEIJING.checklists for item in c.items)


def test_kind_lookup_by_alias_and_error() -> None:
    assert BEIJING.kind(" API调用 ").id == "api"
    assert BEIJING.kind("私有化").id == "private"
    with pytest.raises(KeyError, match="奖励方式无效"):
        BEIJING.kind("云端")


def test_requirements_cite_their_clauses() -> None:
    assert BEIJING.requirement("cac_filing").clause == "附件3 一.6"
    assert BEIJING.requirement("non_affiliation").clause == "附件3 一.5"
    with pytest.raises(PolicyError, match=r"缺少规则 requirements\.nope"):
        BEIJING.requirement("nope")


# --- malformed files ---------------------------------------------------------------------------------


def _edit(old: str, new: str) -> str:
    assert BEIJING_TEXT.count(old) >= 1, old
    return BEIJING_TEXT.replace(old, new, 1)


MALFORMED = [
    pytest.param(_edit('id = "beijing-2024"', "id = beijing-2024"), r"不是有效的 TOML", id="bad-toml"),
    pytest.param(
        _edit('base_label = "单个大模型API服务使用金额"\n', ""),
        r"kinds\.0\.base_label：缺少必填字段",
        id="missing-field",
    ),
    pytest.param(
        _edit('upper = "5000000"\n  rate = "0.25"', 'upper = "1000000"\n  rate = "0.25"'),
        r"kinds\.0：各档上限应严格递增，实为 1000000、1000000",
        id="non-increasing-bands",
    ),
    pytest.param(
        _edit('  upper = "5000000"\n  rate = "0.25"', '  rate = "0.25"'),
        r"kinds\.0：只有最后一档可以没有上限",
        id="middle-band-without-upper",
    ),
    pytest.param(
        _edit('checklist = "附件3-2"', 'checklist = "附件3-9"'),
        r"奖励方式 private 引用了不存在的材料清单 附件3-9",
        id="unknown-checklist",
    ),
    pytest.param(
        _edit('amount = "500000"', 'amount = "-500000"'),
        r"kinds\.1\.floor\.amount：应不小于 0，实为 '-500000'",
        id="negative-amount",
    ),
    pytest.param(
        _edit('rate = "0.50"', 'rate = "1.5"'), r"kinds\.0\.bands\.0\.rate：应不大于 1", id="rate-above-one"
    ),
    pytest.param(
        _edit('basis = "per_project"', 'basis = "per_projekt"'), r"kinds\.1\.basis：应为", id="unknown-basis"
    ),
    pytest.param(_edit('short_label = "API"', 'short_lable = "API"'), r"不认识的字段", id="misspelt-field"),
    pytest.param(
        _edit('amount = "100000"', 'amount = "2000000"'),
        r"kinds\.0：起点金额不能高于第一档上限",
        id="floor-above-band",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_policy_file_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    error = str(caught.value)
    assert str(path) in error
    assert re.search(message, error), error
    assert "Field required" not in error and "Input should" not in error and "Value error" not in error


def test_parse_policy_names_its_source() -> None:
    with pytest.raises(PolicyError, match=r"^政策文件 somewhere/x\.toml 格式错误：.*缺少必填字段"):
        parse_policy('id = "x"', "somewhere/x.toml")


def test_missing_file_and_unknown_policy() -> None:
    with pytest.raises(PolicyError, match=r"无法读取政策文件 .*nowhere\.toml"):
        load_policy_file(Path("/nonexistent/nowhere.toml"))
    with pytest.raises(PolicyError) as caught:
        load_policy("nope")
    assert str(caught.value) == "未知的政策：'nope'，可用的有：beijing-2024、flat-voucher-example"


def test_the_bundled_text_itself_parses_to_the_bundled_policy() -> None:
    assert parse_policy(BEIJING_TEXT, "copy") == BEIJING
    assert isinstance(BEIJING, Policy)


# --- a second scheme, data only ---------------------------------------------------------------------


FLAT = load_policy("flat-voucher-example")


def test_flat_voucher_scheme_loads() -> None:
    assert [k.id for k in FLAT.kinds] == ["contract"]
    kind = FLAT.kind("合同")
    assert kind.floor is None and kind.cap is None and kind.checklist is None
    assert [(b.upper, b.rate) for b in kind.bands] == [(None, Decimal("0.50"))]
    assert FLAT.enterprise_cap is not None and FLAT.enterprise_cap.amount == 500 * WAN


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.01", "0.005"), ("99999.99", "49999.995"), ("100000", "50000"), ("20000000", "10000000")],
)
def test_flat_voucher_computes_half_of_any_amount(amount: str, expected: str) -> None:
    kind = FLAT.kind("contract")
    result = compute_kind(FLAT, "contract", [Decimal(amount)])
    # the exact half, paid rounded once to the fen, half up: 0.005 → 0.01, 49,999.995 → 50,000.00
    paid = Decimal(expected).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert result.reward == result.reward_before_cap == paid  # no floor, no project cap
    assert result.cap is None and result.findings == ()
    assert [i.tier for i in result.items] == [1] and result.eligible
    assert max_reward_of(Decimal(amount), kind) == Decimal(expected)
    assert tier_of(Decimal(amount), kind) == 1


def test_flat_voucher_enterprise_cap() -> None:
    rewards = [compute_kind(FLAT, "contract", [Decimal(a)]).reward for a in ("8000000", "4000000")]
    assert rewards == [Decimal(4_000_000), Decimal(2_000_000)]
    in_order = apply_enterprise_cap(FLAT, rewards, prior_same_year=Decimal(1_000_000))
    assert in_order.total == Decimal(4_000_000)
    assert in_order.granted == (Decimal(4_000_000), Decimal(0))
    assert in_order.cap is not None and in_order.cap.clause == "示例 第3条" and in_order.cap.binding
    pro_rata = apply_enterprise_cap(
        FLAT, rewards, prior_same_year=Decimal(1_000_000), allocation=Allocation.PRO_RATA
    )
    assert [to_fen(g) for g in pro_rata.granted] == [Decimal("2666666.67"), Decimal("1333333.33")]
    assert sum(pro_rata.granted) == Decimal(4_000_000)


def test_flat_voucher_formulas() -> None:
    kind = FLAT.kind("contract")
    assert item_reward_formula(kind, "C3") == "C3*0.5"
    assert tier_formula(kind, "C3") == "1"
    assert project_reward_formula(kind, ["C3", "C4"]) == "ROUND(ROUND((C3+C4)*0.5,7),2)"
