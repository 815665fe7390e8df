"""The template's cell map as data: every input field's sheet, cell, defined name, label, type and choices.

The builder writes the template from this map, and the readers (openpyxl files, the xlwings ``Book``
behind the validation macro) read it back through the same map, so the two can never disagree.
Declaration paths (``products[0].services[1].claimed_amount``) are those of ``xlmv.declaration``;
findings carry them, and ``cell_of`` turns them into ``sheet!cell`` for the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from xlmv.policy import DEFAULT_POLICY, load_policy

TEMPLATE_ID = "xlmv-declaration"
TEMPLATE_VERSION = "1"

# The layout is drawn for the default policy's lists and limits (the product description's length,
# the number of checklist items); a policy with longer lists needs a new template version.
_POLICY = load_policy(DEFAULT_POLICY)
_LIMITS = _POLICY.limits

# Room in the template (附件3-3: “申报多项产品的自行扩充本表”).
PRODUCTS = 3
SERVICES = 5

GUIDE = "填表说明"
FORM = "申报表"
CHECKLIST = "材料清单"
CALC = "奖励测算"
LETTER = "承诺书"
PARAMS = "政策参数"
RESULTS = "校验结果"
CONFIG = "xlwings.conf"
SHEETS = (GUIDE, FORM, CHECKLIST, CALC, LETTER, PARAMS, RESULTS, CONFIG)

FieldType = Literal["text", "long_text", "code", "amount", "date", "int", "choice", "status", "yes_no"]

# Choice lists; the builder writes each on the 政策参数 sheet from the policy data under this name.
Choices = Literal["unit_types", "kinds", "product_types", "scenarios", "statuses", "yes_no"]


# Input cells' defined names live in a namespace of their own: no worksheet function can start with "_"
# (VBA, hence every xlwings UDF, and Excel's built-ins begin with a letter), so ``=MV_USCC(_MV_USCC)`` is
# never ambiguous. Templates of the first release named inputs ``MV_…`` like the UDFs (``MV_USCC``); the
# readers accept those names too (``legacy_name``).
INPUT_PREFIX = "_MV_"
LEGACY_INPUT_PREFIX = "MV_"


def input_name(suffix: str) -> str:
    """The defined name of an input cell: ``input_name("USCC")`` is ``_MV_USCC``."""
    return INPUT_PREFIX + suffix


@dataclass(frozen=True)
class Field:
    """One input cell."""

    path: str  # where the value goes in the Declaration
    name: str  # workbook-level defined name (``INPUT_PREFIX`` + a suffix)
    sheet: str
    cell: str
    label: str
    type: FieldType
    choices: Choices | None = None
    prompt: str = ""  # the data-validation input message
    max_length: int | None = None
    since: int = 1  # the template release that added the cell: readers take an older book without it

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.cell}"

    @property
    def legacy_name(self) -> str:
        """The name the first release gave this cell (``MV_USCC``), still read in filled workbooks."""
        return LEGACY_INPUT_PREFIX + self.name.removeprefix(INPUT_PREFIX)

    @property
    def names(self) -> tuple[str, str]:
        """The names to look the cell up by, current first."""
        return self.name, self.legacy_name


# --- 申报表: column letters and row positions ----------------------------------------------------------
# Nine columns A–I. The company block pairs label/value as A | B:D | E:F | G:I, like the official form.
FORM_COLUMNS = "ABCDEFGHI"
LEFT_VALUE, RIGHT_LABEL, RIGHT_VALUE = "B", "E", "G"
COMPANY_FIRST_ROW = 4
YES_NO = ("是", "否")


def _company() -> list[Field]:
    pairs: list[tuple[tuple[str, str, str, FieldType, str], tuple[str, str, str, FieldType, str] | None]] = [
        (
            ("company.name", input_name("COMPANY_NAME"), "企业名称", "text", "填写营业执照上的企业全称"),
            (
                "company.uscc",
                input_name("USCC"),
                "统一社会信用代码",
                "code",
                "18 位统一社会信用代码，登记地须在北京市",
            ),
        ),
        (
            ("company.registered_address", input_name("REG_ADDRESS"), "注册地址", "text", ""),
            (
                "company.unit_type",
                input_name("UNIT_TYPE"),
                "单位性质",
                "choice",
                "从下拉列表选择（附件3 一.1）",
            ),
        ),
        (
            ("company.contact_address", input_name("CONTACT_ADDRESS"), "联系地址", "text", ""),
            ("company.email", input_name("EMAIL"), "联系邮箱", "text", "如 name@example.com"),
        ),
        (
            ("company.contact_person", input_name("CONTACT_PERSON"), "申报联系人", "text", ""),
            ("company.mobile", input_name("MOBILE"), "联系人手机", "code", "11 位手机号码"),
        ),
        (
            (
                "company.revenue_last_year",
                input_name("REVENUE"),
                "企业上一年营收（元）",
                "amount",
                "单位：元，可写 1200000 或 120万",
            ),
            ("company.employees", input_name("EMPLOYEES"), "员工数量（人）", "int", "整数"),
        ),
        (
            (
                "company.product_revenue_h1_2024",
                input_name("PRODUCT_REVENUE_H1"),
                "大模型应用产品2024年上半年收入（元）",
                "amount",
                "单位：元",
            ),
            (
                "company.industry_code",
                input_name("INDUSTRY_CODE"),
                "国民经济行业分类代码",
                "code",
                "GB/T 4754-2017 代码，如 6513 或 I6513",
            ),
        ),
        (
            ("application_date", input_name("APPLICATION_DATE"), "申报日期", "date", "如 2025-03-31"),
            (
                "prior_year_award",
                input_name("PRIOR_YEAR_AWARD"),
                "本自然年已获本政策奖励（元）",
                "amount",
                "同一自然年内已获模型券奖励合计，用于企业年度上限（附件3 二.3）；没有填 0",
            ),
        ),
    ]
    fields = []
    row = COMPANY_FIRST_ROW
    for left, right in pairs:
        for spec, column in ((left, LEFT_VALUE), (right, RIGHT_VALUE)):
            if spec is not None:
                path, name, label, type_, prompt = spec
                fields.append(
                    Field(path, name, FORM, f"{column}{row}", label, type_, _choice(type_, path), prompt)
                )
        row += 1
    fields.append(
        Field(
            "company.introduction",
            input_name("INTRO"),
            FORM,
            f"B{row}",
            "企业基本情况介绍",
            "long_text",
            prompt="企业基本信息、发展现状、主营业务和近3年主营业务收入情况",
        )
    )
    fields.append(
        Field(
            "company.ranking",
            input_name("RANKING"),
            FORM,
            f"B{row + 1}",
            "企业所处行业排名",
            "long_text",
            prompt="描述在行业内的竞争排名，并提供佐证材料；若无此项可不填",
        )
    )
    return fields


def _choice(type_: FieldType, path: str) -> Choices | None:
    if type_ != "choice":
        return None
    return {"company.unit_type": "unit_types"}.get(path)


COMPANY_LAST_ROW = COMPANY_FIRST_ROW + 8  # seven label pairs, introduction, ranking
PRODUCT_FIRST_ROW = COMPANY_LAST_ROW + 2  # a blank row, then the first product's header
SERVICE_COLUMNS = (  # 序号 in A, then:
    ("provider", "PROVIDER", "服务提供方", "text"),
    ("model_name", "MODEL", "模型名称", "text"),
    ("cac_filing", "CAC", "网信办备案号", "code"),
    ("usage_start", "START", "使用起始日期", "date"),
    ("usage_end", "END", "使用截止日期", "date"),
    ("settled_amount", "SETTLED", "结算单金额（元）", "amount"),
    ("paid_amount", "PAID", "发票/付款金额（元）", "amount"),
    ("claimed_amount", "CLAIMED", "申报金额（元）", "amount"),
)
PROCUREMENT_COLUMNS = (
    ("provider", "PROVIDER", "大模型供应方", "text"),
    ("model_name", "MODEL", "模型名称", "text"),
    ("cac_filing", "CAC", "网信办备案号", "code"),
    ("contract_date", "CONTRACT_DATE", "合同签署日期", "date"),
    ("contract_amount", "CONTRACT", "合同总金额（元）", "amount"),
    ("procurement_amount", "PROCUREMENT", "大模型采购金额（元，不含算力、数据）", "amount"),
    ("compute_fees", "COMPUTE", "算力费用（元）", "amount"),
    ("data_fees", "DATA", "数据费用（元）", "amount"),
    ("paid_amount", "PAID", "发票/付款金额（元）", "amount"),
)


# One product's block on 申报表, top to bottom: the rows above the service table, one row per API service,
# then the private-procurement table and the 产品申报费用 lines. Each name is a ``ProductBlock`` field
# (``<name>_row``); the offsets follow from the order, so a row is added or moved here and nowhere else.
HEAD_ROWS = (
    "header",  # 第二部分 … 产品n
    "name",  # 产品名称 | 申报方式
    "type",  # 产品类型 | 产品上线时间
    "scenario",  # 应用场景（行业） | 本项目已获奖励
    "scenario_note",
    "description",
    "outcomes",
    "fees_title",  # 产品申报费用明细 …
    "service_header",  # 序号 and the API service columns
)
TAIL_ROWS = (
    "procurement_header",  # the private-procurement columns
    "procurement",
    "fees_header",  # 产品申报费用（万元）
    "fees",
)
BLANK_ROWS_BETWEEN_PRODUCTS = 1
PRODUCT_BLOCK_ROWS = len(HEAD_ROWS) + SERVICES + len(TAIL_ROWS) + BLANK_ROWS_BETWEEN_PRODUCTS


@dataclass(frozen=True)
class ProductBlock:
    """Row positions of one product's block on 申报表."""

    index: int  # 0-based
    header_row: int
    name_row: int
    type_row: int
    scenario_row: int
    scenario_note_row: int
    description_row: int
    outcomes_row: int
    fees_title_row: int
    service_header_row: int
    first_service_row: int
    procurement_header_row: int
    procurement_row: int
    fees_header_row: int
    fees_row: int

    @property
    def last_row(self) -> int:
        return self.fees_row

    @property
    def prefix(self) -> str:
        return input_name(f"P{self.index + 1}_")

    def row(self, name: str) -> int:
        """The row called ``name`` in ``HEAD_ROWS`` / ``TAIL_ROWS``."""
        return int(getattr(self, f"{name}_row"))


def product_block(index: int) -> ProductBlock:
    top = PRODUCT_FIRST_ROW + index * PRODUCT_BLOCK_ROWS
    rows = {f"{name}_row": top + offset for offset, name in enumerate(HEAD_ROWS)}
    first_service = top + len(HEAD_ROWS)
    after_services = first_service + SERVICES
    rows |= {f"{name}_row": after_services + offset for offset, name in enumerate(TAIL_ROWS)}
    return ProductBlock(index=index, first_service_row=first_service, **rows)


SUPPLEMENT_ROW = product_block(PRODUCTS - 1).last_row + 2  # a blank row after the last product
DESCRIPTION_LIMIT = _LIMITS.description_chars.value if _LIMITS.description_chars else None


@dataclass(frozen=True)
class _Own:
    """One of a product's own input cells: which row of its block, which column, and what it holds."""

    attr: str  # Product attribute
    suffix: str  # defined name after the product prefix
    row: str  # a HEAD_ROWS name
    column: str
    label: str
    type: FieldType
    choices: Choices | None = None
    prompt: str = ""
    max_length: int | None = None


_DESCRIPTION_PROMPT = f"{DESCRIPTION_LIMIT}字以内描述" if DESCRIPTION_LIMIT else "描述产品功能与应用"
PRODUCT_FIELDS = (
    _Own("name", "NAME", "name", LEFT_VALUE, "产品名称", "text", prompt="拟申报的大模型应用产品"),
    _Own(
        "kind",
        "KIND",
        "name",
        RIGHT_VALUE,
        "申报方式",
        "choice",
        "kinds",
        "API调用 或 私有化部署（附件3 二.1、二.2）",
    ),
    _Own("product_type", "TYPE", "type", LEFT_VALUE, "产品类型", "choice", "product_types"),
    _Own("launch_date", "LAUNCH", "type", RIGHT_VALUE, "产品上线时间", "date", prompt="如 2024-10-01"),
    _Own(
        "scenario",
        "SCENARIO",
        "scenario",
        LEFT_VALUE,
        "应用场景（行业）",
        "choice",
        "scenarios",
        "教育、医疗、文化……园林绿化等细分行业（附件3 一.3）",
    ),
    _Own(
        "prior_award",
        "PRIOR",
        "scenario",
        RIGHT_VALUE,
        "本项目已获奖励（元）",
        "amount",
        prompt="API项目为以往累计，私有化项目为本年度；没有填 0（附件3 二.1、二.2）",
    ),
    _Own(
        "scenario_note",
        "SCENARIO_NOTE",
        "scenario_note",
        LEFT_VALUE,
        "应用场景说明",
        "long_text",
        prompt="说明该产品的行业应用场景，列举行业场景应用情况",
    ),
    _Own(
        "description",
        "DESC",
        "description",
        LEFT_VALUE,
        "产品说明",
        "long_text",
        prompt=_DESCRIPTION_PROMPT,
        max_length=DESCRIPTION_LIMIT,
    ),
    _Own(
        "outcomes",
        "OUTCOMES",
        "outcomes",
        LEFT_VALUE,
        "产品成效说明",
        "long_text",
        prompt="产品应用后的成效和已取得成绩",
    ),
)


def _product(index: int) -> list[Field]:
    """A product's own cells, its API service rows (columns B–I) and its procurement row (A–I)."""
    b = product_block(index)
    p, at = b.prefix, f"products[{index}]."
    fields = [
        Field(
            f"{at}{o.attr}",
            f"{p}{o.suffix}",
            FORM,
            f"{o.column}{b.row(o.row)}",
            o.label,
            o.type,
            o.choices,
            o.prompt,
            o.max_length,
        )
        for o in PRODUCT_FIELDS
    ]
    for s in range(SERVICES):
        row = b.first_service_row + s
        for column, (attr, suffix, label, type_) in zip(FORM_COLUMNS[1:], SERVICE_COLUMNS, strict=True):
            fields.append(
                Field(
                    f"{at}services[{s}].{attr}",
                    f"{p}S{s + 1}_{suffix}",
                    FORM,
                    f"{column}{row}",
                    f"API服务{s + 1} {label}",
                    type_,  # type: ignore[arg-type]
                )
            )
    for column, (attr, suffix, label, type_) in zip(FORM_COLUMNS, PROCUREMENT_COLUMNS, strict=True):
        fields.append(
            Field(
                f"{at}procurement.{attr}",
                f"{p}{suffix}",
                FORM,
                f"{column}{b.procurement_row}",
                f"私有化部署 {label}",
                type_,  # type: ignore[arg-type]
            )
        )
    return fields


# --- 材料清单, 承诺书 ----------------------------------------------------------------------------------
CHECKLIST_ITEMS = max((len(c.items) for c in _POLICY.checklists), default=0)  # 附件3-1 / 附件3-2 lists
CHECKLIST_BLOCK_ROWS = CHECKLIST_ITEMS + 3  # header, column titles, items, summary


def checklist_first_row(index: int) -> int:
    """The first item row of product ``index`` on 材料清单 (status in column D)."""
    return 4 + index * (CHECKLIST_BLOCK_ROWS + 1) + 2


def _checklist(index: int) -> list[Field]:
    first = checklist_first_row(index)
    return [
        Field(
            f"products[{index}].checklist[{i}]",
            input_name(f"P{index + 1}_CHECK_{i + 1}"),
            CHECKLIST,
            f"D{first + i}",
            f"产品{index + 1} 材料{i + 1} 状态",
            "status",
            "statuses",
            "已提供 / 未提供 / 待补充（每项都是必交材料，没有“不适用”）",
        )
        for i in range(CHECKLIST_ITEMS)
    ]


# Yes/no questions for the conditional parts of material 2 (项目合同), beside items 2–5 of each product's
# list (columns I label, J answer, right of the file and evidence columns); the policy's checklist conditions say which a kind asks.
CONDITION_LABEL_COLUMN, CONDITION_COLUMN = "I", "J"
CONDITIONS = (
    ("long_contract", "LONG_CONTRACT", "合同期限是否大于政策执行期限？"),
    ("instalment_terms", "INSTALMENTS", "（是则）合同是否已明确分期交付支付的细则？"),
    ("framework_contract", "FRAMEWORK", "是否为大模型采购框架合同？（API调用）"),
    ("framework_terms", "FRAMEWORK_TERMS", "（是则）框架合同是否已明确使用量和使用期限？"),
)


def _conditions(index: int) -> list[Field]:
    first = checklist_first_row(index) + 1  # beside item 2
    return [
        Field(
            f"products[{index}].{attr}",
            input_name(f"P{index + 1}_{suffix}"),
            CHECKLIST,
            f"{CONDITION_COLUMN}{first + n}",
            f"产品{index + 1} {label}",
            "yes_no",
            "yes_no",
            "选择 是 / 否（附件3-1 2、附件3-2 2）",
            since=2,
        )
        for n, (attr, suffix, label) in enumerate(CONDITIONS)
    ]


# 材料清单 columns beside the status (issue 12): the applicant's material files (input, paths relative to
# the workbook's folder, several separated by “;”), a link to the first file, and the evidence status the
# validation writes. They are not declaration fields: ``material_file_fields`` and ``evidence_name``.
FILES_COLUMN, LINK_COLUMN, EVIDENCE_COLUMN = "E", "F", "G"


def material_file_fields(index: int | None = None) -> tuple[Field, ...]:
    """The file cells of product ``index`` (all products when None) on 材料清单."""
    indexes = range(PRODUCTS) if index is None else (index,)
    return tuple(
        Field(
            f"products[{p}].files[{i}]",
            input_name(f"P{p + 1}_FILES_{i + 1}"),
            CHECKLIST,
            f"{FILES_COLUMN}{checklist_first_row(p) + i}",
            f"产品{p + 1} 材料{i + 1} 文件",
            "text",
            prompt="材料文件相对于本工作簿所在文件夹的路径，如 申报-材料/产品1/发票1.pdf；多个用 ; 分隔",
        )
        for p in indexes
        for i in range(CHECKLIST_ITEMS)
    )


def evidence_name(index: int, item: int) -> str:
    """Defined name of the evidence-status cell of product ``index``'s item ``item`` (1-based)."""
    return f"MV_P{index + 1}_EVIDENCE_{item}"


COMMITMENT_FIRST_ROW = 22
COMMITMENTS = (
    (
        "commitments.truthful",
        input_name("COMMIT_TRUTHFUL"),
        "本单位承诺提交的全部申报材料均真实、准确、有效（第1条）",
    ),
    (
        "commitments.no_other_funding",
        input_name("COMMIT_NO_OTHER_FUNDING"),
        "本次申请奖励的事项未获得其他市级财政资金支持（第3条）",
    ),
    (
        "commitments.scenario_compliance",
        input_name("COMMIT_SCENARIO"),
        "使用大模型所开展的应用符合《北京市推动“人工智能+”行动计划（2024-2025年）》细分行业场景（第8条）",
    ),
    (
        "commitments.non_affiliation",
        input_name("COMMIT_NON_AFFILIATION"),
        "本企业所采购的大模型企业为非关联企业（第9条）",
    ),
    (
        "commitments.ai_direction",
        input_name("COMMIT_AI_DIRECTION"),
        "本单位大模型应用符合《北京市“十四五”时期高精尖产业发展规划》所支持的人工智能产业发展方向（附件3 一.2）",
    ),
)


def _commitments() -> list[Field]:
    return [
        Field(
            path,
            name,
            LETTER,
            f"F{COMMITMENT_FIRST_ROW + n}",
            label,
            "yes_no",
            "yes_no",
            "选择 是 / 否",
            since=2 if path == "commitments.ai_direction" else 1,
        )
        for n, (path, name, label) in enumerate(COMMITMENTS)
    ]


@cache
def fields() -> tuple[Field, ...]:
    """Every input cell of the template, in form order."""
    supplement = Field(
        "supplementary",
        input_name("SUPPLEMENT"),
        FORM,
        f"B{SUPPLEMENT_ROW}",
        "补充说明",
        "long_text",
        prompt="企业可同时申请API调用和私有化部署两种方式的应用奖励",
    )
    out = _company()
    for index in range(PRODUCTS):
        out += _product(index)
    out.append(supplement)
    for index in range(PRODUCTS):
        out += _checklist(index)
        out += _conditions(index)
    out += _commitments()
    return tuple(out)


@cache
def by_path() -> dict[str, Field]:
    return {f.path: f for f in fields()}


@cache
def by_name() -> dict[str, Field]:
    return {f.name: f for f in fields()}


def cell_of(path: str) -> str | None:
    """``申报表!G5`` for a finding's declaration path; a path to a group (``products[0].services``)
    resolves to its first input cell; None when the path has no cell (e.g. computed values)."""
    exact = by_path().get(path)
    if exact is not None:
        return exact.ref
    prefix = re.sub(r"\.$", "", path)
    for f in fields():
        if f.path.startswith(prefix + ".") or f.path.startswith(prefix + "["):
            return f.ref
    return None


# Amounts the template's own formulas compute with (奖励测算, 产品申报费用): stored as text, they show
# cellformulas.TEXT_MARKER there, and the readers report them.
FORMULA_AMOUNTS = frozenset(
    {"claimed_amount", "procurement_amount", "compute_fees", "data_fees", "prior_award", "prior_year_award"}
)


def feeds_formulas(f: Field) -> bool:
    """Whether the template's formulas compute with this input cell's value."""
    return f.type == "amount" and f.path.rsplit(".", 1)[-1] in FORMULA_AMOUNTS


# --- 奖励测算 ------------------------------------------------------------------------------------------
CALC_FIRST_ROW = 5
CALC_BLOCK_ROWS = 30  # the tier table and its cap rows, then the chart below it


def calc_top_row(index: int) -> int:
    return CALC_FIRST_ROW + index * CALC_BLOCK_ROWS


ENTERPRISE_ROW = calc_top_row(PRODUCTS)


# --- Computed cells other layers read (names, not positions) ----------------------------------------
TEMPLATE_ID_NAME = "MV_TEMPLATE_ID"
TEMPLATE_VERSION_NAME = "MV_TEMPLATE_VERSION"
POLICY_VERSION_NAME = "MV_POLICY_VERSION"  # the policy the template was built with, as ``id@version``
ENGINE_NAME = "MV_ENGINE"  # “计算方式：插件 / 内置公式”
TOTAL_NAME = "MV_TOTAL_REWARD"  # enterprise total after the year cap (元)


def product_output_names(index: int) -> dict[str, str]:
    """Defined names of one product's computed cells on 奖励测算."""
    p = f"MV_P{index + 1}_"
    return {
        "tier": f"{p}TIER",
        "max_reward": f"{p}MAX_REWARD",
        "reward": f"{p}REWARD",  # after the project cap
        "granted": f"{p}GRANTED",  # after the enterprise-year cap
        "next_tier": f"{p}NEXT_TIER",
        "checklist": f"{p}CHECKLIST",
    }
