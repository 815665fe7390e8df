"""模型券 worksheet functions (xlwings UDFs): ``=MV_API_REWARD(B5:B9)`` and friends, category 模型券.

Classic xlwings (``@xw.func`` / ``@xw.arg`` / ``@xw.ret``, Windows Excel with the xlwings add-in): the
workbook's xlwings settings name this module (``UDF_MODULES = xlmv_udfs``) and "Import Functions" writes
the VBA wrappers, committed as ``udfs/xlmv_udfs.bas`` (regenerate with ``python -m xlmv_udfs.generate_bas``).

Each function only converts: Excel values → engine inputs (``xlmv_udfs.convert``) → the engine
(``xlmv.reward``, ``xlmv.checklist``, ``xlmv.identifiers.uscc``) → numbers or text for the cell. Every number,
tier and cap comes from the policy file; money leaves as a float rounded to the fen. A user mistake shows
as text starting with ``#`` (``#金额无效：'12o万'``), so formulas built on it fail instead of using 0.

``MV_BREAKDOWN`` spills a table (Excel 365/2021 dynamic arrays; in older Excel enter it as an array
formula over enough rows)::

    档位            奖励基数     比例上限   奖励金额
    第一档          1000000     0.5       500000     one row per tier the amount reaches; for API with
    第二档          2000000     0.25      500000     several services: "服务1 第一档", "服务2 第二档" …,
    …                                                a service below the floor is "服务3 不达标" with 0s
    审定比例核减                 0.8       -n        only when an approved ratio below 1 is given
    <上限名称>核减                           -n        only when the project cap cuts the reward
    合计            3000000                1000000    the reward after the cap; 奖励基数 is the column's sum

The 奖励金额 rows add up exactly to 合计 (README 计算口径): each service's tier rows are whole-fen shares of
its maximum rounded once to the fen, the ratio row is what the ratio takes off the project (rounded
once), and the cap row what the cap takes off.
"""

from __future__ import annotations

from decimal import Decimal

import xlwings as xw

import xlmv
from xlmv import checklist, money, reward
from xlmv.identifiers import IdentifierError, uscc
from xlmv.policy import Kind, Policy, load_policy

from . import convert

CATEGORY = "模型券"

_AMOUNTS_DOC = "一个单元格或一个区域；空单元格忽略。可写 1200000、1,200,000.00、120万"
_AMOUNT_DOC = "金额（元），一个单元格，如 1200000 或 120万"
_KIND_DOC = "奖励方式：API 或 私有化（也可写 api、private、API调用、私有化部署）"
_PRIOR_DOC = "可选：本项目此前已获奖励（元），留空为 0"


def _policy() -> Policy:
    return load_policy()  # parsed once per process (functools.cache)


def _kind(key: str) -> Kind:
    return _policy().kind(key)


def _reward(kind: Kind, amounts: object, prior_award: object) -> float:
    """The project reward only (no per-tier explanation): the fast path for large ranges."""
    total = reward.project_reward(
        kind, convert.amounts(amounts), prior_award=convert.optional_amount(prior_award)
    )
    return convert.money(total)


def _project(kind: Kind, amounts: object, prior_award: object, ratio: object = None) -> reward.KindResult:
    return reward.compute_kind(
        _policy(),
        kind,
        convert.amounts(amounts),
        prior_award=convert.optional_amount(prior_award),
        approved_ratio=convert.optional_ratio(ratio),
    )


# ------------------------------------------------------------------------------------------ rewards


@xw.func(category=CATEGORY)
@xw.arg(
    "amounts", ndim=2, err_to_str=True, doc=_AMOUNTS_DOC + "。每个单元格是一款大模型API服务的使用金额（元）"
)
@xw.arg("prior_award", err_to_str=True, doc=_PRIOR_DOC)
@convert.excel_safe
def MV_API_REWARD(amounts, prior_award=None):
    """API调用模型券奖励（元）：每款大模型API服务的使用金额各自按档累进计算（低于申报起点的服务不计），相加后适用单个项目累计奖励上限（扣除已获奖励）。"""
    return _reward(_kind("api"), amounts, prior_award)


@xw.func(category=CATEGORY)
@xw.arg("amount", ndim=2, err_to_str=True, doc="大模型采购金额（元，不含算力、数据等费用）；一个区域时相加")
@xw.arg("prior_award", err_to_str=True, doc="可选：本项目本年度已获奖励（元），留空为 0")
@convert.excel_safe
def MV_PRIVATE_REWARD(amount, prior_award=None):
    """私有化部署模型券奖励（元）：大模型采购金额（不含算力、数据等费用，低于申报起点不计）按档累进计算，适用单个项目年度奖励上限（扣除已获奖励）。"""
    return _reward(_kind("private"), amount, prior_award)


@xw.func(category=CATEGORY)
@xw.arg("rewards", ndim=2, err_to_str=True, doc="本企业本自然年各项目的奖励（元），一个区域；空单元格忽略")
@xw.arg("prior_same_year", err_to_str=True, doc="可选：本企业同一自然年此前已获本政策奖励（元），留空为 0")
@convert.excel_safe
def MV_ENTERPRISE_REWARD(rewards, prior_same_year=None):
    """企业自然年奖励合计（元）：各项目奖励相加，适用单一企业每个自然年奖励总额上限（扣除同年已获奖励）。"""
    result = reward.apply_enterprise_cap(
        _policy(), convert.amounts(rewards), prior_same_year=convert.optional_amount(prior_same_year)
    )
    return convert.money(result.total)


@xw.func(category=CATEGORY)
@xw.arg("kind", err_to_str=True, doc=_KIND_DOC)
@xw.arg("amounts", ndim=2, err_to_str=True, doc=_AMOUNTS_DOC + "。API：每格一款服务；私有化：相加为采购金额")
@xw.arg("prior_award", err_to_str=True, doc=_PRIOR_DOC)
@xw.arg("approved_ratio", err_to_str=True, doc="可选：审定比例（0—1 或 0%—100%），留空为 1（按比例上限）")
@convert.excel_safe
def MV_BREAKDOWN(kind, amounts, prior_award=None, approved_ratio=None):
    """奖励计算明细（动态数组）：表头 档位、奖励基数、比例上限、奖励金额；每档一行（API多款服务时为“服务n 第x档”），给出审定比例时有一行审定比例核减，触及项目上限时有一行上限核减，末行“合计”为上限后的奖励，各行奖励金额相加等于合计。"""
    result = _project(convert.kind(_policy(), kind), amounts, prior_award, approved_ratio)
    several = len(result.items) > 1
    table: list[list[object]] = [["档位", "奖励基数", "比例上限", "奖励金额"]]
    for item in result.items:
        prefix = f"{item.label} " if several else ""
        if not item.eligible:
            table.append([prefix + item.eligibility.value, 0.0, 0.0, 0.0])
        for row in item.rows:
            table.append(
                [prefix + row.label, convert.money(row.base), float(row.rate), convert.money(row.reward)]
            )
    if result.ratio_applied:
        cut = result.max_reward - result.reward_before_cap
        table.append(["审定比例核减", None, float(result.approved_ratio), -convert.money(cut)])
    if result.cap is not None and result.cap.binding:
        table.append([f"{result.cap.name}核减", None, None, -convert.money(result.cap.reduced_by)])
    bases = sum((row.base for item in result.items for row in item.rows), Decimal(0))
    table.append(["合计", convert.money(bases), None, convert.money(result.reward)])
    return table


# -------------------------------------------------------------------------------------- tiers, what-if


@xw.func(category=CATEGORY)
@xw.arg("amount", err_to_str=True, doc="单款大模型API服务的使用金额（元），如 1200000 或 120万")
@convert.excel_safe
def MV_API_TIER(amount):
    """API调用档位：0（低于申报起点，不达标）、1、2 或 3。"""
    return reward.tier_of(convert.single_amount(amount), _kind("api"))


@xw.func(category=CATEGORY)
@xw.arg("amount", err_to_str=True, doc="大模型采购金额（元，不含算力、数据等费用），如 2500000 或 250万")
@convert.excel_safe
def MV_PRIVATE_TIER(amount):
    """私有化部署档位：0（低于申报起点，不达标）、1、2 或 3。"""
    return reward.tier_of(convert.single_amount(amount), _kind("private"))


@xw.func(category=CATEGORY)
@xw.arg("kind", err_to_str=True, doc=_KIND_DOC)
@xw.arg("amount", err_to_str=True, doc=_AMOUNT_DOC)
@convert.excel_safe
def MV_TIER_NAME(kind, amount):
    """档位名称：第一档、第二档、第三档，低于申报起点为“不达标”。"""
    kind_ = convert.kind(_policy(), kind)
    item = reward.tier_item("", convert.single_amount(amount), kind_)
    return item.rows[-1].label if item.eligible else item.eligibility.value


@xw.func(category=CATEGORY)
@xw.arg("kind", err_to_str=True, doc=_KIND_DOC)
@xw.arg("amount", err_to_str=True, doc=_AMOUNT_DOC)
@convert.excel_safe
def MV_ELIGIBLE(kind, amount):
    """是否达到申报起点：“达标”或“不达标”（API按单款服务的使用金额，私有化按大模型采购金额）。"""
    kind_ = convert.kind(_policy(), kind)
    return reward.tier_item("", convert.single_amount(amount), kind_).eligibility.value


@xw.func(category=CATEGORY)
@xw.arg("kind", err_to_str=True, doc=_KIND_DOC)
@xw.arg(
    "amounts",
    ndim=2,
    err_to_str=True,
    doc=_AMOUNTS_DOC + "。API：每格一款服务，追加投入计在金额最大的一款上；私有化：相加为采购金额",
)
@xw.arg("prior_award", err_to_str=True, doc=_PRIOR_DOC)
@convert.excel_safe
def MV_NEXT_TIER(kind, amounts, prior_award=None):
    """距下一档（或项目上限）还需投入（元）：追加在金额最大的一款服务（私有化为采购金额）上，达到其申报起点或下一档，若项目奖励上限（扣除已获奖励）先到则达到上限为止；已达上限时为 0。"""
    kind_ = convert.kind(_policy(), kind)
    step = reward.next_step(convert.amounts(amounts), kind_, convert.optional_amount(prior_award))
    return convert.money(step.needed)


# ------------------------------------------------------------------------------- forms and checklists


@xw.func(category=CATEGORY)
@xw.arg("amount", err_to_str=True, doc="金额（元），如 1234567.89 或 120万")
@convert.excel_safe
def MV_WAN(amount):
    """元换算为万元（保留两位小数，四舍五入），用于附件3-3 申报表的“产品申报费用（万元）”。"""
    return float(money.to_wan(convert.single_amount(amount)))


@xw.func(category=CATEGORY)
@xw.arg("code", err_to_str=True, doc="18 位统一社会信用代码，请将单元格设为文本格式")
@convert.excel_safe
def MV_USCC(code):
    """检查统一社会信用代码：格式、校验位及是否在北京市登记，如“有效，北京市海淀区”，否则说明问题。"""
    region = _policy().registration
    try:
        valid = uscc.validate(convert.single(code), region=region)
    except IdentifierError as exc:
        return exc.short()
    return f"有效，{uscc.place(valid, region)}" if region is not None else "有效"


@xw.func(category=CATEGORY)
@xw.arg("kind", err_to_str=True, doc=_KIND_DOC)
@xw.arg(
    "statuses",
    ndim=2,
    err_to_str=True,
    doc="按编号逐项的材料状态区域：已提供、未提供、待补充；空为未提供，必交材料填“不适用”也算缺",
)
@convert.excel_safe
def MV_CHECKLIST(kind, statuses):
    """申报材料清单核对（附件3-1 / 附件3-2）：“齐全 9/9”，或“缺 2 项：3、7”。"""
    policy = _policy()
    return checklist.summarize(policy, convert.kind(policy, kind), convert.cells(statuses)).text()


# --------------------------------------------------------------------------------------------- about


@xw.func(category=CATEGORY)
@convert.excel_safe
def MV_POLICY():
    """所用政策及版本，如 beijing-2024@2024.1。"""
    return _policy().label


@xw.func(category=CATEGORY)
@convert.excel_safe
def MV_VERSION():
    """xlmv 程序版本。"""
    return xlmv.__version__


# --------------------------------------------------------------------------------------------- macro


@xw.sub
def MV_VALIDATE():
    """校验整本申报表：按政策规则检查全部填写项，结果写入“校验结果”表，并为有问题的单元格标色（先清除上次的标色）。"""
    from xlmv_workbook.read.books import XlwingsBook
    from xlmv_workbook.read.validate import validate

    validate(XlwingsBook(xw.Book.caller()))


@xw.sub
def MV_RECALC():
    """重算复核汇总表：按评审修改后的审定比例、已获奖励，重新计算项目上限后、企业年度上限后和按企业汇总。"""
    from xlmv_workbook.review.recalc import recalc_book
    from xlmv_workbook.review.reviewbooks import XlwingsReview

    recalc_book(XlwingsReview(xw.Book.caller()))
