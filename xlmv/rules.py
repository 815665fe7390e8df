"""Eligibility and consistency rules over a declaration; each rule cites its clause from the policy data.

Every rule is a small function yielding ``Finding``s; ``check_declaration`` runs them all. Reward
arithmetic (floors, caps) lives in ``xlmv.reward``; the findings it produces are merged by ``xlmv.assess``.
Every clause a finding cites is read from the policy data (``requirements``, ``form_fields`` …), never
written here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator

from xlmv.checklist import ItemStatus, checklist_for, classify
from xlmv.declaration import ApiService, Declaration, PrivateProcurement, Product
from xlmv.errors import InputError
from xlmv.findings import Finding, Severity
from xlmv.identifiers import IdentifierError, cac, email, industry, mobile, uscc
from xlmv.money import format_yuan
from xlmv.orgtype import org_type
from xlmv.parsing import is_blank
from xlmv.policy import Kind, Policy


def _clause(policy: Policy, key: str) -> str:
    return policy.requirement(key).clause


def _error(code: str, field: str, message: str, clause: str) -> Finding:
    return Finding(severity=Severity.ERROR, code=code, field=field, message=message, clause=clause)


def _warning(code: str, field: str, message: str, clause: str) -> Finding:
    return Finding(severity=Severity.WARNING, code=code, field=field, message=message, clause=clause)


# --- 附件3 一.1: who may apply --------------------------------------------------------------------


def company_rules(policy: Policy, decl: Declaration) -> Iterator[Finding]:
    company = decl.company
    form = _clause(policy, "form_company")
    reg = policy.registration
    try:
        code = uscc.validate(company.uscc)
    except IdentifierError as exc:
        yield _error("company.uscc.invalid", "company.uscc", f"统一社会信用代码{exc.short()}", form)
    else:
        if reg is not None and not uscc.in_region(code, reg):
            yield _error(
                "company.uscc.region",
                "company.uscc",
                f"统一社会信用代码登记地（{uscc.area_code(code)}）不在{reg.region_label}，"
                f"申报单位应在{reg.region_label}注册",
                reg.clause,
            )
        yield from _legal_person(policy, code)

    for field, identifier in (("email", email), ("mobile", mobile)):
        try:
            identifier.validate(getattr(company, field))
        except IdentifierError as exc:
            yield _error(f"company.{field}.invalid", f"company.{field}", exc.short(), form)

    yield from _sector_rules(policy, decl)


def _legal_person(policy: Policy, code: str) -> Iterator[Finding]:
    """附件3 一.1: the code's positions 1–2 say what kind of entity applies."""
    rule = policy.legal_person
    if rule is None:
        return
    found = org_type(code)
    accepted = "、".join(f"{t.code} {t.type}" for code in rule.eligible if (t := org_type(code)))
    if found is None:
        yield _error(
            "company.uscc.org_type",
            "company.uscc",
            f"统一社会信用代码第1–2位“{code[:2]}”不是 GB 32100 规定的登记管理部门和机构类别代码；"
            f"申报单位应为 {accepted}",
            rule.clause,
        )
        return
    if found.code in rule.eligible:
        return
    why = "不具备独立法人资格" if found.legal_person == "no" else "不属于申报条件所列的企业、学校、医院机构"
    yield _error(
        "company.uscc.org_type",
        "company.uscc",
        f"统一社会信用代码第1–2位“{found.code}”表示{found.type}（登记管理部门：{found.authority}），{why}；"
        f"申报单位应为 {accepted}",
        rule.clause,
    )


def form_field_rules(policy: Policy, decl: Declaration) -> Iterator[Finding]:
    """附件3-3: every field the form asks for is filled; “若无此项可不填” fields only warn."""
    for spec in policy.form_fields:
        if spec.path.startswith("products[]."):
            attr = spec.path.removeprefix("products[].")
            targets = [(product, f"products[{n}].{attr}") for n, product in enumerate(decl.products)]
            code = f"product.{attr}.missing"
        else:
            owner, _, attr = spec.path.rpartition(".")
            targets = [(decl.company if owner == "company" else decl, spec.path)]
            code = f"{spec.path}.missing"
        for owner_obj, field in targets:
            value = getattr(owner_obj, attr)
            if is_blank(value):
                make = _warning if spec.optional else _error
                yield make(code, field, f"未填写{spec.label}", spec.clause)


def _sector_rules(policy: Policy, decl: Declaration) -> Iterator[Finding]:
    units = policy.unit_types
    if units is None:
        return
    company = decl.company
    allowed = "、".join(u.label for u in units.items)
    unit = next((u for u in units.items if u.label == company.unit_type.strip()), None)
    if unit is None:
        problem = (
            f"单位性质“{company.unit_type}”不在支持范围内" if company.unit_type.strip() else "未填写单位性质"
        )
        yield _error(
            "company.unit_type.invalid", "company.unit_type", f"{problem}，应为 {allowed} 之一", units.clause
        )
    try:
        division = industry.division(company.industry_code)
    except IdentifierError as exc:
        yield _error("company.industry_code.invalid", "company.industry_code", exc.short(), units.clause)
        return
    covering = [u for u in units.items if division.code in u.division_codes()]
    if not covering:
        yield _error(
            "company.industry_code.ineligible",
            "company.industry_code",
            f"国民经济行业分类 {division.section}{division.code} {division.name} 不属于支持的行业（{allowed}）",
            units.clause,
        )
    elif unit is not None and unit not in covering:
        yield _warning(
            "company.unit_type.mismatch",
            "company.unit_type",
            f"单位性质“{unit.label}”与行业分类 {division.section}{division.code} {division.name} 不一致"
            f"（该行业对应：{'、'.join(u.label for u in covering)}）",
            units.clause,
        )


# --- 附件3-4 and 附件3 一.4 / 一.5: commitments ---------------------------------------------------


def commitment_rules(policy: Policy, decl: Declaration) -> Iterator[Finding]:
    confirmations = (
        ("non_affiliation", "non_affiliation", "未确认申报单位与大模型服务提供方为非关联企业"),
        ("no_other_funding", "no_other_funding", "未确认相关大模型应用未获得其他市级财政资金支持"),
        ("truthful", "truthful", "未确认申报材料真实、准确、有效"),
        (
            "scenario_compliance",
            "scenario_compliance",
            "未承诺应用符合《北京市推动“人工智能+”行动计划（2024-2025年）》细分行业场景",
        ),
        (
            "ai_direction",
            "ai_direction",
            "未确认应用符合《北京市“十四五”时期高精尖产业发展规划》所支持的人工智能产业发展方向",
        ),
    )
    for field, requirement, message in confirmations:
        if requirement in policy.requirements and not getattr(decl.commitments, field):
            yield _error(
                f"commitments.{field}", f"commitments.{field}", message, _clause(policy, requirement)
            )


# --- 附件3 一.3 and 附件3-3 第二部分: each product --------------------------------------------------


def product_rules(policy: Policy, decl: Declaration, today: dt.date | None = None) -> Iterator[Finding]:
    if not decl.products:
        yield _error("products.missing", "products", "未填写任何申报产品", _clause(policy, "form_product"))
    yield from _application_date(policy, decl, today or dt.date.today())
    for n, product in enumerate(decl.products):
        yield from _one_product(policy, decl, product, f"products[{n}].")


def _application_date(policy: Policy, decl: Declaration, today: dt.date) -> Iterator[Finding]:
    """附件3 一.3: the application closes the window that opens on the policy's start date."""
    clause = _clause(policy, "application_date")
    date = decl.application_date
    if date is None:
        yield _error("application_date.missing", "application_date", "未填写申报日期", clause)
        return
    window = policy.usage_window
    if window is not None and date < window.start:
        yield _error(
            "application_date.early",
            "application_date",
            f"申报日期 {date} 早于 {window.start}，政策只支持该日起开展的应用",
            clause,
        )
    if date > today:
        yield _error(
            "application_date.future", "application_date", f"申报日期 {date} 晚于今天（{today}）", clause
        )


def _one_product(policy: Policy, decl: Declaration, product: Product, at: str) -> Iterator[Finding]:
    form = _clause(policy, "form_product")
    if policy.product_types and product.product_type not in policy.product_types.items:
        shown = f"“{product.product_type}”" if product.product_type.strip() else "未填写"
        yield _error(
            "product.product_type.invalid",
            f"{at}product_type",
            f"产品类型{shown}无效，应为 {'、'.join(policy.product_types.items)} 之一",
            policy.product_types.clause,
        )
    if policy.scenarios and product.scenario not in policy.scenarios.items:
        shown = f"“{product.scenario}”" if product.scenario else "未填写"
        yield _error(
            "product.scenario.invalid",
            f"{at}scenario",
            f"应用场景{shown}不在支持的细分行业内（{'、'.join(policy.scenarios.items)}）",
            policy.scenarios.clause,
        )
    limit = policy.limits.description_chars
    if limit is not None and len(product.description) > limit.value:
        yield _error(
            "product.description.too_long",
            f"{at}description",
            f"产品说明 {len(product.description)} 字，超过 {limit.value} 字",
            limit.clause,
        )
    try:
        kind = policy.kind(product.kind)
    except KeyError as exc:
        yield _error("product.kind.invalid", f"{at}kind", str(exc.args[0]), form)
        return
    yield from _type_against_kind(policy, kind, product, at)
    if kind.basis == "per_service":
        if not product.services:
            yield _error(
                "api.services.missing",
                f"{at}services",
                "未填写任何大模型API服务",
                _clause(policy, "api_settlement"),
            )
        for m, service in enumerate(product.services):
            yield from _api_service(policy, decl, kind, service, f"{at}services[{m}].")
    elif product.procurement is None:
        yield _error(
            "private.procurement.missing",
            f"{at}procurement",
            "未填写大模型采购情况",
            _clause(policy, "private_contract"),
        )
    else:
        yield from _procurement(policy, decl, product.procurement, f"{at}procurement.")
    yield from _checklist(policy, kind, product, at)


def _type_against_kind(policy: Policy, kind: Kind, product: Product, at: str) -> Iterator[Finding]:
    """产品类型 naming one 申报方式 (``私有化部署``) while the product is declared under another."""
    named = next((k for k in policy.kinds if k.label == product.product_type.strip()), None)
    if named is not None and named.id != kind.id and "product_type_kind" in policy.requirements:
        yield _error(
            "product.product_type.kind_mismatch",
            f"{at}product_type",
            f"产品类型“{product.product_type}”与申报方式“{kind.label}”矛盾，请改正其中之一",
            _clause(policy, "product_type_kind"),
        )


_USCC_IN_TEXT = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _third_party(policy: Policy, decl: Declaration, provider: str, at: str) -> Iterator[Finding]:
    """附件3 一.5: the model provider is not the applicant itself (same name, or its USCC in the provider
    cell, e.g. ``某某公司（91110108…）``)."""
    if not provider.strip() or "third_party" not in policy.requirements:
        return
    company = decl.company
    same_name = bool(company.name.strip()) and _fold(provider) == _fold(company.name)
    own = uscc.validate(company.uscc) if uscc.is_valid(company.uscc) else None
    codes = _USCC_IN_TEXT.findall(unicodedata.normalize("NFKC", provider).upper())
    if same_name or (own and own in codes):
        how = "名称相同" if same_name else f"统一社会信用代码相同（{own}）"
        yield _error(
            "model.provider.self",
            f"{at}provider",
            f"大模型服务提供方“{provider}”与申报单位{how}；应使用第三方大模型",
            _clause(policy, "third_party"),
        )


def _cac(policy: Policy, number: str, at: str) -> Iterator[Finding]:
    try:
        cac.validate(number)
    except IdentifierError as exc:
        yield _error(
            "model.cac_filing", f"{at}cac_filing", exc.short(), policy.requirement("cac_filing").clause
        )


def _api_service(policy: Policy, decl: Declaration, kind: Kind, s: ApiService, at: str) -> Iterator[Finding]:
    name = s.model_name or "该服务"
    if not s.provider.strip():
        yield _error(
            "api.provider.missing",
            f"{at}provider",
            "未填写大模型服务提供方",
            _clause(policy, "api_settlement"),
        )
    yield from _third_party(policy, decl, s.provider, at)
    yield from _cac(policy, s.cac_filing, at)
    if s.claimed_amount is None:
        clause = kind.floor.clause if kind.floor else kind.basis_clause
        yield _error("api.claimed.missing", f"{at}claimed_amount", f"{name}未填写申报金额", clause)
    else:
        for field, value, requirement, what in (
            ("settled_amount", s.settled_amount, "claim_within_settled", "结算单金额"),
            ("paid_amount", s.paid_amount, "claim_within_paid", "发票/付款金额"),
        ):
            if value is None:
                yield _error(
                    f"api.{field}.missing",
                    f"{at}{field}",
                    f"{name}未填写{what}",
                    policy.requirement(requirement).clause,
                )
            elif s.claimed_amount > value:
                yield _error(
                    f"api.claimed.over_{field}",
                    f"{at}claimed_amount",
                    f"{name}申报金额 {format_yuan(s.claimed_amount)} 元高于{what} {format_yuan(value)} 元",
                    policy.requirement(requirement).clause,
                )
    yield from _usage_period(policy, decl, s, at)


def _usage_period(policy: Policy, decl: Declaration, s: ApiService, at: str) -> Iterator[Finding]:
    window = policy.usage_window
    if window is None:
        return
    if s.usage_start is None or s.usage_end is None:
        field = "usage_start" if s.usage_start is None else "usage_end"
        yield _error("api.usage.missing", f"{at}{field}", "未填写使用期间（起止日期）", window.clause)
        return
    if s.usage_start < window.start:
        yield _error(
            "api.usage.before_window",
            f"{at}usage_start",
            f"使用起始日期 {s.usage_start} 早于 {window.start}，政策只计该日起实际发生的调用",
            window.clause,
        )
    if s.usage_end < s.usage_start:
        yield _error(
            "api.usage.reversed", f"{at}usage_end", f"使用截止日期 {s.usage_end} 早于起始日期", window.clause
        )
    if decl.application_date is not None and s.usage_end > decl.application_date:
        yield _error(
            "api.usage.after_application",
            f"{at}usage_end",
            f"使用截止日期 {s.usage_end} 晚于申报日期 {decl.application_date}",
            window.clause,
        )


def _procurement(policy: Policy, decl: Declaration, p: PrivateProcurement, at: str) -> Iterator[Finding]:
    contract = _clause(policy, "private_contract")
    if not p.provider.strip():
        yield _error("private.provider.missing", f"{at}provider", "未填写大模型供应方", contract)
    yield from _third_party(policy, decl, p.provider, at)
    yield from _cac(policy, p.cac_filing, at)
    since = policy.limits.private_contract_from
    if p.contract_date is None:
        yield _error("private.contract_date.missing", f"{at}contract_date", "未填写合同签署日期", contract)
    else:
        if since is not None and p.contract_date < since.value:
            yield _error(
                "private.contract_date.early",
                f"{at}contract_date",
                f"合同签署日期 {p.contract_date} 早于 {since.value}",
                since.clause,
            )
        if decl.application_date is not None and p.contract_date > decl.application_date:
            yield _error(
                "private.contract_date.future",
                f"{at}contract_date",
                f"合同签署日期 {p.contract_date} 晚于申报日期 {decl.application_date}",
                contract,
            )
    excluded = policy.requirement("procurement_within_contract")
    if p.contract_amount is None:
        yield _error(
            "private.contract_amount.missing",
            f"{at}contract_amount",
            "未填写合同总金额；没有合同金额无法核对大模型采购金额是否包含算力、数据等费用",
            excluded.clause,
        )
    if p.paid_amount is None:
        yield _error(
            "private.paid_amount.missing",
            f"{at}paid_amount",
            "未填写发票/付款金额",
            _clause(policy, "private_payment"),
        )
    if p.procurement_amount is None:
        yield _error(
            "private.procurement.missing", f"{at}procurement_amount", "未填写大模型采购金额", excluded.clause
        )
        return
    if p.contract_amount is not None:
        fees = p.compute_fees + p.data_fees
        if p.procurement_amount + fees > p.contract_amount:
            yield _error(
                "private.procurement.includes_fees",
                f"{at}procurement_amount",
                f"大模型采购金额 {format_yuan(p.procurement_amount)} 元加算力、数据费用 {format_yuan(fees)} 元"
                f"超过合同金额 {format_yuan(p.contract_amount)} 元；采购金额不应包含算力、数据等费用",
                excluded.clause,
            )
    if p.paid_amount is not None and p.procurement_amount > p.paid_amount:
        # A warning, not a smaller base: see README 计算口径 (附件3 二.2 names the procurement amount as the
        # base; 附件3-2 3 asks for invoices matching the contract's payment schedule, which may be staged).
        yield _warning(
            "private.procurement.over_paid",
            f"{at}paid_amount",
            f"大模型采购金额 {format_yuan(p.procurement_amount)} 元高于发票/付款金额 {format_yuan(p.paid_amount)} 元；"
            "奖励仍按采购金额测算，请核对付款进度与合同分期约定",
            _clause(policy, "private_payment"),
        )


def _checklist(policy: Policy, kind: Kind, product: Product, at: str) -> Iterator[Finding]:
    if kind.checklist is None:
        return
    checklist = checklist_for(policy, kind)
    for item in checklist.items:
        status = product.checklist[item.no - 1] if item.no <= len(product.checklist) else None
        field = f"{at}checklist[{item.no - 1}]"
        clause = f"{checklist.id} {item.no}"
        try:
            state = classify(policy, status)
        except InputError as exc:
            yield _error("checklist.invalid", field, exc.message(), checklist.id)
            continue
        if state is ItemStatus.MISSING:
            yield _error("checklist.missing", field, f"缺少材料 {item.no}：{item.title}", clause)
        elif state is ItemStatus.NOT_APPLICABLE and item.mandatory:
            yield _error(
                "checklist.not_applicable",
                field,
                f"材料 {item.no}：{item.title} 是必交材料，不能填“{status}”；请提供后选择“已提供”",
                clause,
            )
        for condition in item.conditions:
            answer = getattr(product, condition.field, None)
            if answer is None:
                yield _error(
                    "checklist.condition.unanswered",
                    f"{at}{condition.field}",
                    f"材料 {item.no}（{item.title}）：未回答“{condition.question}”",
                    condition.clause,
                )
            elif answer and getattr(product, condition.then_field, None) is not True:
                yield _error(
                    "checklist.condition.unmet",
                    f"{at}{condition.then_field}",
                    f"材料 {item.no}（{item.title}）：{condition.question}答“是”，"
                    f"但“{condition.then_question}”未答“是”",
                    condition.clause,
                )


RULES: tuple[Callable[[Policy, Declaration], Iterator[Finding]], ...] = (
    company_rules,
    form_field_rules,
    commitment_rules,
)


def check_declaration(policy: Policy, decl: Declaration, *, today: dt.date | None = None) -> list[Finding]:
    """Every rule's findings, in form order. ``today`` (default: the system date) bounds the application
    date."""
    found = [finding for rule in RULES for finding in rule(policy, decl)]
    return found + list(product_rules(policy, decl, today))
