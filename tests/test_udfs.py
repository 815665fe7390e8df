"""The ``MV_*`` worksheet functions, called plainly and the way Excel calls them through xlwings.

``excel(...)`` runs a call as ``xlwings.udfs.call_udf`` does: each argument through
``xlwings.conversion.read(None, value, options)`` with the options the real decorators recorded, the
function, then ``conversion.write``. Values are what pywin32 hands over: floats, ``None``, tuples of
tuples, datetimes, error cells as COM integers.

Hand arithmetic (附件3 二.4): API 50% up to 100万, 25% to 500万, 10% above; private 20% up to 200万, 10% to
500万, 5% above; floors 10万 (API, per service) and 50万 (private); caps 500万 per project and enterprise-year.
"""

from __future__ import annotations

import datetime
import inspect
import logging
import sys
from decimal import Decimal

import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st

import xlmv
import xlmv_udfs
from xlmv.money import to_fen
from xlmv.policy import load_policy
from xlmv.reward import apply_enterprise_cap, compute_kind, next_step
from xlmv_udfs import convert
from xlmv_udfs.generate_bas import MISSING, call_like_excel, decorated_udfs, excel_conversion

DIV0 = -2146826281  # a #DIV/0! cell as pywin32 hands it over
NA = -2146826246  # #N/A
POLICY = load_policy()


@pytest.fixture(scope="module")
def xl():
    """The UDF module with xlwings' real decorators, and xlwings' conversion ready as in Excel."""
    with excel_conversion():
        yield decorated_udfs()


@pytest.fixture(scope="module")
def excel(xl):
    """``excel("MV_API_REWARD", value, ...)``: a call through xlwings; a 1×1 result is unwrapped."""

    def call(name, *args):
        result = call_like_excel(getattr(xl, name), *args)
        return result[0][0] if len(result) == 1 and len(result[0]) == 1 else result

    return call


def column(*values):
    """A one-column range as pywin32 hands it over: a tuple of 1-tuples."""
    return tuple((v,) for v in values)


# --------------------------------------------------------------------------------------- MV_API_REWARD


API_CASES = [
    # 300万: 50万 + 200万×25% = 100万; 80万: 40万; the empty cell is ignored
    (column(3_000_000.0, 800_000.0, None), None, 1_400_000.0),
    (100_000.0, None, 50_000.0),  # exactly the floor: 50%
    (99_999.99, None, 0.0),  # below the floor: nothing
    (column(99_999.99, 1_000_000.0), None, 500_000.0),  # each service against the floor on its own
    (1_000_000.01, None, 500_000.0),  # 0.01 in 第二档 earns 0.0025: rounds to the fen
    (1_000_000.02, None, 500_000.01),  # 0.005 rounds half up
    (20_000_000.0, None, 3_000_000.0),  # 50万 + 100万 + 1500万×10%
    (40_000_000.0, None, 5_000_000.0),  # exactly the project cap
    (50_000_000.0, None, 5_000_000.0),  # 600万 capped
    (column(5_000_000.0, 5_000_000.0, 5_000_000.0), None, 4_500_000.0),  # 3 × 150万
    (column(5_000_000.0, 5_000_000.0, 5_000_000.0, 5_000_000.0), None, 5_000_000.0),  # 600万 capped
    (5_000_000.0, 4_000_000.0, 1_000_000.0),  # 150万, but only 100万 left under the cap
    (5_000_000.0, 5_000_000.0, 0.0),
    (5_000_000.0, 6_000_000.0, 0.0),
    (5_000_000.0, "", 1_500_000.0),  # an empty optional cell is 0
    ("120万", None, 550_000.0),  # 50万 + 20万×25%
    ("１２０万元", None, 550_000.0),
    ("1,200,000.00", None, 550_000.0),
    (((1_000_000.0, None), (None, "20万")), None, 600_000.0),  # any shape, read row by row
    ((), None, 0.0),
    (None, None, 0.0),
]


@pytest.mark.parametrize(("amounts", "prior", "expected"), API_CASES)
def test_api_reward(excel, amounts, prior, expected):
    assert xlmv_udfs.MV_API_REWARD(amounts, prior) == expected
    assert excel("MV_API_REWARD", amounts, prior) == expected


def test_api_reward_optional_argument_omitted(excel):
    assert xlmv_udfs.MV_API_REWARD(column(3_000_000.0, 800_000.0, None)) == 1_400_000.0
    assert excel("MV_API_REWARD", column(3_000_000.0, 800_000.0, None), MISSING) == 1_400_000.0
    assert excel("MV_API_REWARD", column(3_000_000.0, 800_000.0, None)) == 1_400_000.0


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ("12o万", "#金额无效：'12o万'"),
        (column(1_000_000.0, "12o万"), "#金额无效：'12o万'"),
        (-5.0, "#金额不能为负数：-5.0"),
        (column(1_000_000.0, DIV0), "#单元格错误值：'#DIV/0!'"),
        (NA, "#单元格错误值：'#N/A'"),
        ("#REF!", "#单元格错误值：'#REF!'"),
        (datetime.datetime(2024, 9, 1), "#金额无效：'日期 2024-09-01'"),
        (True, "#金额无效：TRUE"),
    ],
)
def test_api_reward_bad_input_is_a_hash_text(excel, amounts, message):
    assert xlmv_udfs.MV_API_REWARD(amounts) == message
    assert excel("MV_API_REWARD", amounts) == message


def test_error_cells_are_not_silently_empty(excel):
    """Without err_to_str xlwings would read an error cell as empty and the reward would ignore it."""
    assert excel("MV_API_REWARD", column(3_000_000.0, DIV0)) == "#单元格错误值：'#DIV/0!'"
    assert excel("MV_ENTERPRISE_REWARD", column(1_000_000.0, NA)) == "#单元格错误值：'#N/A'"
    assert excel("MV_CHECKLIST", "API", column("已提供", DIV0)) == "#单元格错误值：'#DIV/0!'"
    assert excel("MV_API_REWARD", 1_000_000.0, DIV0) == "#单元格错误值：'#DIV/0!'"  # the optional argument


def test_bad_prior_award(excel):
    assert excel("MV_API_REWARD", 1_000_000.0, "12o万") == "#金额无效：'12o万'"
    assert excel("MV_API_REWARD", 1_000_000.0, column(1.0, 2.0)) == "#区域无效：'2 个单元格'"


@given(st.lists(st.decimals(min_value=0, max_value=100_000_000, places=2), max_size=8))
@settings(max_examples=150, deadline=None)
def test_api_reward_equals_engine(amounts):
    expected = float(to_fen(compute_kind(POLICY, "api", amounts).reward))
    assert xlmv_udfs.MV_API_REWARD(column(*(float(a) for a in amounts))) == expected


# ----------------------------------------------------------------------------------- MV_PRIVATE_REWARD


@pytest.mark.parametrize(
    ("amount", "prior", "expected"),
    [
        (2_500_000.0, None, 450_000.0),  # 40万 + 50万×10%
        (500_000.0, None, 100_000.0),  # the floor: 20%
        (499_999.99, None, 0.0),
        (2_000_000.0, None, 400_000.0),
        (60_000_000.0, None, 3_450_000.0),  # 40万 + 30万 + 5500万×5%
        (100_000_000.0, None, 5_000_000.0),  # 545万 capped
        (60_000_000.0, 3_000_000.0, 2_000_000.0),
        ("250万", "", 450_000.0),
        (column(2_000_000.0, 500_000.0), None, 450_000.0),  # a range is summed into one procurement amount
        (None, None, 0.0),
    ],
)
def test_private_reward(excel, amount, prior, expected):
    assert xlmv_udfs.MV_PRIVATE_REWARD(amount, prior) == expected
    assert excel("MV_PRIVATE_REWARD", amount, prior) == expected


def test_private_reward_bad_input(excel):
    assert excel("MV_PRIVATE_REWARD", "12o万") == "#金额无效：'12o万'"
    assert excel("MV_PRIVATE_REWARD", DIV0) == "#单元格错误值：'#DIV/0!'"


# ----------------------------------------------------------------------------------------- MV_BREAKDOWN

HEADER = ["档位", "奖励基数", "比例上限", "奖励金额"]


def test_breakdown_private_exact_rows(excel):
    assert xlmv_udfs.MV_BREAKDOWN("私有化", 2_500_000.0) == [
        HEADER,
        ["第一档", 2_000_000.0, 0.2, 400_000.0],
        ["第二档", 500_000.0, 0.1, 50_000.0],
        ["合计", 2_500_000.0, None, 450_000.0],
    ]
    # through xlwings: empty cells are written as ""
    assert excel("MV_BREAKDOWN", "私有化", 2_500_000.0) == [
        HEADER,
        ["第一档", 2_000_000.0, 0.2, 400_000.0],
        ["第二档", 500_000.0, 0.1, 50_000.0],
        ["合计", 2_500_000.0, "", 450_000.0],
    ]


def test_breakdown_api_several_services_floor_and_cap(excel):
    # 600万: 50万 + 100万 + 10万 = 160万; 5万 below the floor; 3000万: 50万 + 100万 + 250万 = 400万.
    # 560万 > 500万: the project cap takes 60万.
    table = excel("MV_BREAKDOWN", "API", column(6_000_000.0, 50_000.0, None, 30_000_000.0))
    assert table == [
        HEADER,
        ["服务1 第一档", 1_000_000.0, 0.5, 500_000.0],
        ["服务1 第二档", 4_000_000.0, 0.25, 1_000_000.0],
        ["服务1 第三档", 1_000_000.0, 0.1, 100_000.0],
        ["服务2 不达标", 0.0, 0.0, 0.0],
        ["服务3 第一档", 1_000_000.0, 0.5, 500_000.0],
        ["服务3 第二档", 4_000_000.0, 0.25, 1_000_000.0],
        ["服务3 第三档", 25_000_000.0, 0.1, 2_500_000.0],
        ["单个项目累计奖励上限核减", "", "", -600_000.0],
        ["合计", 36_000_000.0, "", 5_000_000.0],
    ]
    assert excel("MV_API_REWARD", column(6_000_000.0, 50_000.0, None, 30_000_000.0)) == table[-1][3]


def test_breakdown_single_api_service_has_plain_tier_labels():
    assert xlmv_udfs.MV_BREAKDOWN("api", column(None, 1_200_000.0)) == [
        HEADER,
        ["第一档", 1_000_000.0, 0.5, 500_000.0],
        ["第二档", 200_000.0, 0.25, 50_000.0],
        ["合计", 1_200_000.0, None, 550_000.0],
    ]


def test_breakdown_prior_award_and_empty():
    assert xlmv_udfs.MV_BREAKDOWN("private", 2_500_000.0, 4_800_000.0)[-2:] == [
        ["单个项目年度奖励上限核减", None, None, -250_000.0],
        ["合计", 2_500_000.0, None, 200_000.0],
    ]
    assert xlmv_udfs.MV_BREAKDOWN("API", None) == [HEADER, ["合计", 0.0, None, 0.0]]
    assert xlmv_udfs.MV_BREAKDOWN("私有化", 100_000.0) == [
        HEADER,
        ["不达标", 0.0, 0.0, 0.0],
        ["合计", 0.0, None, 0.0],
    ]


@pytest.mark.parametrize(
    "kind", ["API", "api", "API调用", " 调用 ", "私有化", "private", "PRIVATE", "私有化部署"]
)
def test_breakdown_kind_aliases(kind):
    expected = xlmv_udfs.MV_API_REWARD if POLICY.kind(kind).id == "api" else xlmv_udfs.MV_PRIVATE_REWARD
    assert xlmv_udfs.MV_BREAKDOWN(kind, 7_000_000.0)[-1][3] == expected(7_000_000.0)


def test_breakdown_bad_kind(excel):
    message = "#奖励方式无效：'xyz'，应为 API（api）、私有化（private）"
    assert excel("MV_BREAKDOWN", "xyz", 1.0) == message
    assert excel("MV_BREAKDOWN", None, 1.0) == "#奖励方式无效：''，应为 API（api）、私有化（private）"
    assert excel("MV_BREAKDOWN", "API", "12o万") == "#金额无效：'12o万'"


@given(st.sampled_from(["api", "private"]), st.lists(st.decimals(0, 60_000_000, places=2), max_size=5))
@settings(max_examples=100, deadline=None)
def test_breakdown_columns_add_up_to_the_total(kind, amounts):
    table = xlmv_udfs.MV_BREAKDOWN(kind, column(*(float(a) for a in amounts)))
    assert table[0] == HEADER
    body, total = table[1:-1], table[-1]
    assert total[0] == "合计"
    assert total[3] == float(to_fen(compute_kind(POLICY, kind, amounts).reward))
    # bases are whole fen, so they add up exactly, and so do the rewards (RULE.md; issue 10.2)
    assert round(sum(row[1] or 0 for row in body), 2) == total[1]
    assert round(sum(row[3] for row in body), 2) == total[3]


# ------------------------------------------------------------------------------ tiers, names, what-if


@pytest.mark.parametrize(
    ("function", "amount", "tier"),
    [
        ("MV_API_TIER", 99_999.99, 0),
        ("MV_API_TIER", 100_000.0, 1),
        ("MV_API_TIER", 1_000_000.0, 1),
        ("MV_API_TIER", 1_000_000.01, 2),
        ("MV_API_TIER", "500万", 2),
        ("MV_API_TIER", 5_000_000.01, 3),
        ("MV_PRIVATE_TIER", 499_999.99, 0),
        ("MV_PRIVATE_TIER", 500_000.0, 1),
        ("MV_PRIVATE_TIER", 2_000_000.0, 1),
        ("MV_PRIVATE_TIER", 2_000_000.01, 2),
        ("MV_PRIVATE_TIER", 5_000_000.0, 2),
        ("MV_PRIVATE_TIER", 1e9, 3),
    ],
)
def test_tiers(excel, function, amount, tier):
    assert getattr(xlmv_udfs, function)(amount) == tier
    assert excel(function, amount) == tier


def test_tier_bad_input(excel):
    assert excel("MV_API_TIER", None) == "#金额未填写：（空）"
    assert excel("MV_API_TIER", "12o万") == "#金额无效：'12o万'"
    assert excel("MV_PRIVATE_TIER", column(1.0, 2.0)) == "#区域无效：'2 个单元格'"
    assert excel("MV_PRIVATE_TIER", column(5_000_000.0)) == 2  # a one-cell range is one cell


@pytest.mark.parametrize(
    ("kind", "amount", "name", "eligible"),
    [
        ("API", 99_999.99, "不达标", "不达标"),
        ("API", 100_000.0, "第一档", "达标"),
        ("api", 1_000_000.01, "第二档", "达标"),
        ("API调用", 6e6, "第三档", "达标"),
        ("私有化", 499_999.99, "不达标", "不达标"),
        ("private", "50万", "第一档", "达标"),
        ("私有化部署", 2_000_000.01, "第二档", "达标"),
    ],
)
def test_tier_name_and_eligible(excel, kind, amount, name, eligible):
    assert excel("MV_TIER_NAME", kind, amount) == name
    assert excel("MV_ELIGIBLE", kind, amount) == eligible


@pytest.mark.parametrize(
    ("kind", "amount", "prior", "needed"),
    [
        ("API", 50_000.0, None, 50_000.0),  # to the floor
        ("API", 100_000.0, None, 900_000.01),  # to 第二档, which starts after 100万
        ("API", 1_000_000.0, None, 0.01),
        ("API", 2_000_000.0, None, 3_000_000.01),
        # 第三档: to the 500万 cap, paid at 39,999,999.95 (4,999,999.995 rounds to the cap)
        ("API", 30_000_000.0, None, 9_999_999.95),
        ("API", 40_000_000.0, None, 0.0),
        ("API", 10_000_000.0, 4_000_000.0, 0.0),  # 100万 left, reached at 300万 already
        # cap at 40万 + 30万 + 430万/5% above 500万 = 9100万, paid from 90,999,999.90 (4,999,999.995)
        ("私有化", 60_000_000.0, None, 30_999_999.9),
        ("私有化", "250万", "", 2_500_000.01),
    ],
)
def test_next_tier(excel, kind, amount, prior, needed):
    assert excel("MV_NEXT_TIER", kind, amount, prior) == needed
    step = next_step(convert.amounts(amount), POLICY.kind(kind), convert.optional_amount(prior))
    assert needed == float(to_fen(step.needed))


# ------------------------------------------------------------------------------ MV_ENTERPRISE_REWARD


@pytest.mark.parametrize(
    ("rewards", "prior", "expected"),
    [
        (column(1_000_000.0, 2_000_000.0), None, 3_000_000.0),
        (column(4_000_000.0, 3_000_000.0), None, 5_000_000.0),
        (column(4_000_000.0, 3_000_000.0), 1_000_000.0, 4_000_000.0),
        (column(4_000_000.0, None, 3_000_000.0), 6_000_000.0, 0.0),
        (column(1_234.56, 0.01), None, 1_234.57),
        (None, None, 0.0),
    ],
)
def test_enterprise_reward(excel, rewards, prior, expected):
    assert excel("MV_ENTERPRISE_REWARD", rewards, prior) == expected
    amounts, prior_d = convert.amounts(rewards), convert.optional_amount(prior)
    assert expected == float(to_fen(apply_enterprise_cap(POLICY, amounts, prior_same_year=prior_d).total))


def test_enterprise_reward_needs_fen_amounts(excel):
    assert excel("MV_ENTERPRISE_REWARD", column(1_234.565)) == "#金额无效：1234.565"


def test_enterprise_reward_of_reward_cells(excel):
    """The usual sheet: project rewards from MV_API_REWARD and MV_PRIVATE_REWARD, then the enterprise cap."""
    api = excel("MV_API_REWARD", 40_000_000.0)
    private = excel("MV_PRIVATE_REWARD", 2_500_000.0)
    assert (api, private) == (5_000_000.0, 450_000.0)
    assert excel("MV_ENTERPRISE_REWARD", ((api, private),)) == 5_000_000.0
    assert excel("MV_ENTERPRISE_REWARD", ((api, "#金额无效：'12o万'"),)).startswith("#金额无效")


# ------------------------------------------------------------------------------------ forms, checklists


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("91110108MA01ABCDX5", "有效，北京市海淀区"),
        (" 91110108ma01abcdx5 ", "有效，北京市海淀区"),
        ("91110108MA01ABCDX2", "校验位错误：应为 5，实为 2"),
        (None, "未填写"),
        (DIV0, "#单元格错误值：'#DIV/0!'"),
    ],
)
def test_uscc(excel, code, text):
    assert excel("MV_USCC", code) == text


def test_uscc_stored_as_number(excel):
    assert excel("MV_USCC", 9.111e17).endswith("可能已丢失位数，请将单元格设为文本后重新填写）")


@pytest.mark.parametrize(
    ("kind", "statuses", "text"),
    [
        ("API", column(*["已提供"] * 9), "齐全 9/9"),
        ("私有化", column(*["已提供"] * 9, None, None, ""), "齐全 9/9"),  # blank rows under the list
        ("API", column("已提供", "已提供", "未提供", *["√"] * 3, None, "是", "已上传"), "缺 2 项：3、7"),
        ("API", column(*["已提供"] * 8, "不适用"), "缺 1 项：9"),  # every item is mandatory (issue 10.5)
        ("API", column(*["不适用"] * 9), "缺 9 项：1、2、3、4、5、6、7、8、9"),
        ("API", (("已提供", "已提供"),), "缺 7 项：3、4、5、6、7、8、9"),
        ("API", column("已提供", "也许"), "#材料状态无效：'也许'"),
        ("API", column(*["已提供"] * 10), "#材料状态过多：'10 项'"),
        ("其他", column("已提供"), "#奖励方式无效：'其他'，应为 API（api）、私有化（private）"),
    ],
)
def test_checklist(excel, kind, statuses, text):
    assert excel("MV_CHECKLIST", kind, statuses) == text
    assert xlmv_udfs.MV_CHECKLIST(kind, statuses) == text


@pytest.mark.parametrize(
    ("amount", "wan"),
    [(1_234_567.89, 123.46), (1_234_550.0, 123.46), (1_234_549.99, 123.45), ("120万", 120.0), (0.0, 0.0)],
)
def test_wan(excel, amount, wan):
    assert excel("MV_WAN", amount) == wan


def test_policy_and_version(excel):
    assert excel("MV_POLICY") == "beijing-2024@2024.1"
    assert excel("MV_VERSION") == xlmv.__version__


# ------------------------------------------------------------------------------------------ never raises

_EXCEL_CELL = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([DIV0, NA, -2146826259, -2147352572, 0, 1, True, False]),
    st.text(max_size=12),
    st.sampled_from(
        ["120万", "12o万", "#N/A", "API", "私有化", "已提供", "", "  ", "91110108MA01ABCDX5", "-1"]
    ),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),  # pywin32 hands over datetimes, never dates
)
_CELL = st.one_of(_EXCEL_CELL, st.dates())
_NESTED = st.recursive(_CELL, lambda inner: st.lists(inner, max_size=4).map(tuple), max_leaves=12)
_RANGE = st.one_of(  # what VBA can pass: one value, or a rectangular block of values
    _EXCEL_CELL,
    st.integers(1, 4)
    .flatmap(lambda width: st.lists(st.tuples(*[_EXCEL_CELL] * width), min_size=1, max_size=4))
    .map(tuple),
)
MACROS = {"MV_VALIDATE", "MV_RECALC"}  # xlwings subs, not cell functions
UDF_NAMES = [name for name in dir(xlmv_udfs) if name.startswith("MV_") and name not in MACROS]


def _assert_cell_value(cell):
    assert cell is None or isinstance(cell, (float, int, str)), cell
    assert not (isinstance(cell, str) and cell.startswith("#内部错误")), (
        cell
    )  # junk is a user error, no crash


@pytest.mark.parametrize("name", UDF_NAMES)
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_never_raises_for_junk(xl, name, data):
    func = getattr(xlmv_udfs, name)
    arity = len(inspect.signature(func).parameters)
    result = func(*[data.draw(_NESTED) for _ in range(arity)])
    for cell in [c for row in result for c in row] if isinstance(result, list) else [result]:
        _assert_cell_value(cell)
    for row in call_like_excel(getattr(xl, name), *[data.draw(_RANGE) for _ in range(arity)]):
        for cell in row:
            _assert_cell_value(cell)


# ---------------------------------------------------------------------------------- the conversion layer


def test_signatures_survive_the_error_wrapper():
    assert list(inspect.signature(xlmv_udfs.MV_API_REWARD).parameters) == ["amounts", "prior_award"]
    assert xlmv_udfs.MV_API_REWARD.__name__ == "MV_API_REWARD"
    assert xlmv_udfs.MV_API_REWARD.__doc__.startswith("API调用模型券奖励")


def test_unexpected_errors_are_logged_not_shown(caplog):
    @convert.excel_safe
    def broken(x):
        return 1 / x

    with caplog.at_level(logging.ERROR, logger="xlmv_udfs.convert"):
        assert broken(0) == "#内部错误：ZeroDivisionError"
    assert "Traceback" in caplog.text or caplog.records[0].exc_info is not None
    assert broken(4) == 0.25


def test_money_rounds_only_at_the_edge():
    assert convert.money(Decimal("0.005")) == 0.01
    assert convert.money(Decimal("1234.564999")) == 1234.56


def test_amounts_skip_blanks_and_read_row_by_row():
    assert convert.amounts(((1.0, None, " "), ("2万", 3))) == [
        Decimal("1.00"),
        Decimal("20000.00"),
        Decimal("3.00"),
    ]
    assert convert.cells(((None, "已提供"), (None, None))) == [None, "已提供"]


def test_decorating_leaves_no_trace():
    decorated_udfs()
    assert not hasattr(xlmv_udfs.MV_API_REWARD, "__xlfunc__")
    assert sys.modules["xlmv_udfs"] is xlmv_udfs
    assert "pythoncom" not in sys.modules and "xlwings.udfs" not in sys.modules
    assert xlwings.func(lambda: 1)() == 1  # still the no-op decorator off Windows
