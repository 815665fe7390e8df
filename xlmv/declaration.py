"""The declaration (附件3-3 模型券奖励申报表 with the 附件3-4 commitments) as typed data.

Values here are already parsed (money as exact Decimal yuan, dates as dates); turning what a user typed
into these types is the readers' job (``xlmv.parsing``). Empty fields are ``None`` or ``""`` so that the
rules, not the model, say what is missing and which clause requires it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from xlmv.money import ZERO
from xlmv.policy import DEFAULT_POLICY


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Company(_Form):
    """第一部分 申请基本情况——申请企业情况."""

    name: str = ""  # 企业名称
    uscc: str = ""  # 统一社会信用代码
    registered_address: str = ""  # 注册地址
    unit_type: str = ""  # 单位性质
    contact_address: str = ""  # 联系地址
    email: str = ""  # 联系邮箱
    contact_person: str = ""  # 申报联系人
    mobile: str = ""  # 联系人手机
    revenue_last_year: Decimal | None = Field(default=None, ge=0)  # 企业上一年营收（元）
    employees: int | None = Field(default=None, ge=0)  # 员工数量
    product_revenue_h1_2024: Decimal | None = Field(
        default=None, ge=0
    )  # 大模型应用产品2024年上半年收入（元）
    industry_code: str = ""  # 国民经济行业分类代码
    introduction: str = ""  # 企业基本情况介绍
    ranking: str = ""  # 企业所处行业排名


class ApiService(_Form):
    """One third-party model API service used by an API-call product (附件3-1 2–4)."""

    provider: str = ""  # 大模型服务提供方
    model_name: str = ""  # 模型名称
    cac_filing: str = ""  # 中央网信办备案号
    usage_start: dt.date | None = None  # 使用起始日期
    usage_end: dt.date | None = None  # 使用截止日期
    settled_amount: Decimal | None = Field(default=None, ge=0)  # 结算单金额（元）
    paid_amount: Decimal | None = Field(default=None, ge=0)  # 发票/付款金额（元）
    claimed_amount: Decimal | None = Field(default=None, ge=0)  # 申报金额（元）：单个大模型API服务使用金额


class PrivateProcurement(_Form):
    """The model procurement of a private-deployment product (附件3-2 2–3)."""

    provider: str = ""  # 大模型供应方
    model_name: str = ""  # 模型名称
    cac_filing: str = ""  # 中央网信办备案号
    contract_date: dt.date | None = None  # 合同签署日期
    contract_amount: Decimal | None = Field(default=None, ge=0)  # 合同总金额（元）
    procurement_amount: Decimal | None = Field(default=None, ge=0)  # 大模型采购金额（元，不含算力、数据费用）
    compute_fees: Decimal = Field(default=ZERO, ge=0)  # 算力费用（元）
    data_fees: Decimal = Field(default=ZERO, ge=0)  # 数据费用（元）
    paid_amount: Decimal | None = Field(default=None, ge=0)  # 发票/付款金额（元）


class Product(_Form):
    """第二部分 大模型应用产品基本情况, one product (the form may be extended for several)."""

    name: str = ""  # 产品名称
    kind: str = ""  # 申报方式：api / private (a kind id or alias of the policy)
    product_type: str = ""  # 产品类型
    launch_date: dt.date | None = None  # 产品上线时间
    scenario: str = ""  # 应用场景（行业）
    scenario_note: str = ""  # 应用场景说明
    description: str = ""  # 产品说明（1000字以内）
    outcomes: str = ""  # 产品成效说明
    services: list[ApiService] = []
    procurement: PrivateProcurement | None = None
    checklist: list[str] = []  # 材料状态，按清单编号
    # Conditional sub-requirements of material 2 (项目合同), as the policy's checklist conditions ask them:
    long_contract: bool | None = None  # 合同期限是否大于政策执行期限
    instalment_terms: bool | None = None  # 是否已明确分期交付支付的细则
    framework_contract: bool | None = None  # 是否为大模型采购框架合同（API调用）
    framework_terms: bool | None = None  # 框架合同是否已明确使用量和使用期限
    prior_award: Decimal = Field(default=ZERO, ge=0)  # 本项目已获奖励（元），用于项目上限
    approved_ratio: Decimal | None = Field(default=None, ge=0, le=1)  # 审定比例（评审填写）


class Commitments(_Form):
    """附件3-4 模型券奖励承诺书 and the 附件3-1/3-2 declarations, as confirmations."""

    truthful: bool = False  # 1. 申报材料真实、准确、有效
    no_other_funding: bool = False  # 3. 未获得其他市级财政资金支持
    non_affiliation: bool = False  # 9. 所采购的大模型企业为非关联企业
    scenario_compliance: bool = False  # 8. 应用符合《北京市推动“人工智能+”行动计划》细分行业场景
    ai_direction: bool = False  # 附件3 一.2 符合《北京市“十四五”时期高精尖产业发展规划》人工智能产业发展方向


class Declaration(_Form):
    """One application: the company, its products, and what it already received this year."""

    policy: str = DEFAULT_POLICY
    application_date: dt.date | None = None  # 申报日期
    company: Company = Company()
    products: list[Product] = []
    commitments: Commitments = Commitments()
    prior_year_award: Decimal = Field(default=ZERO, ge=0)  # 本自然年已获本政策奖励（元）
    supplementary: str = ""  # 补充说明
