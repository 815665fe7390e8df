"""The policy schema: pydantic models for a reward scheme's data file, and loading it.

A scheme (``xlmv/policies/<id>.toml``) holds every number, date and list the rules use, each with the
clause it comes from. The engine reads nothing else: a new or revised scheme is a data file, not code.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from xlmv.errors import os_reason


class PolicyError(ValueError):
    """A policy data file is missing or malformed; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cited(_Model):
    """A rule whose only data is its clause and the policy's own words."""

    clause: str = Field(min_length=1)
    text: str = ""


class Amount(Cited):
    """A money amount in yuan, with its clause."""

    amount: Decimal = Field(ge=0)


class Cap(Amount):
    """A ceiling on rewards. ``scope`` says what it ceils: one project over all rounds, one project in one
    natural year, or all of one enterprise's rewards in one natural year."""

    scope: Literal["project_cumulative", "project_yearly", "enterprise_yearly"]
    name: str = Field(min_length=1)  # how findings and tables call it, e.g. 单个项目累计奖励上限


class EnterpriseCap(Amount):
    period: Literal["calendar_year"]
    name: str = Field(min_length=1)  # e.g. 单一企业自然年奖励上限


class Band(_Model):
    """One tier of a marginal (超额累进) schedule: ``rate`` applies to the part of the base above the
    previous band's upper bound up to ``upper`` (inclusive); the last band has no upper bound."""

    tier: int = Field(ge=1)
    label: str
    upper: Decimal | None = Field(default=None, gt=0)
    rate: Decimal = Field(ge=0, le=1)
    clause: str = Field(min_length=1)
    text: str = ""


class Kind(_Model):
    """One way of earning a reward (API calls, private deployment, a flat voucher …)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    short_label: str
    aliases: tuple[str, ...] = ()
    basis: Literal["per_service", "per_project"]
    basis_clause: str
    basis_text: str = ""
    base_label: str
    excluded_fees: tuple[str, ...] = ()
    checklist: str | None = None
    floor: Amount | None = None
    cap: Cap | None = None
    bands: tuple[Band, ...] = Field(min_length=1)

    @property
    def cap_is_yearly(self) -> bool:
        """Whether the project cap counts one natural year (prior awards of other years do not count)
        rather than the project's whole life; False without a cap."""
        return self.cap is not None and self.cap.scope == "project_yearly"

    @model_validator(mode="after")
    def _bands_are_a_schedule(self) -> Kind:
        tiers = [b.tier for b in self.bands]
        if tiers != list(range(1, len(tiers) + 1)):
            raise ValueError(f"档位编号应从 1 起连续递增，实为 {tiers}")
        uppers = [b.upper for b in self.bands]
        if uppers[-1] is not None or any(u is None for u in uppers[:-1]):
            raise ValueError("只有最后一档可以没有上限（upper），其余各档都须有上限")
        bounded = [u for u in uppers if u is not None]
        if bounded != sorted(set(bounded)):
            raise ValueError(f"各档上限应严格递增，实为 {'、'.join(str(u) for u in bounded)}")
        if self.floor is not None and bounded and self.floor.amount > bounded[0]:
            raise ValueError("起点金额不能高于第一档上限")
        return self


class Scenarios(_Model):
    clause: str
    items: tuple[str, ...] = Field(min_length=1)


class UnitType(_Model):
    id: str
    label: str
    divisions: tuple[str, ...] = Field(min_length=1)

    @field_validator("divisions")
    @classmethod
    def _division_ranges(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            parts = item.split("-")
            if len(parts) > 2 or not all(len(p) == 2 and p.isdigit() for p in parts):
                raise ValueError(f"行业门类代码应为两位数字或区间（如 13-43），实为 {item!r}")
        return value

    def division_codes(self) -> frozenset[str]:
        """The two-digit GB/T 4754 divisions this unit type covers, ranges expanded."""
        codes: set[str] = set()
        for item in self.divisions:
            low, _, high = item.partition("-")
            codes.update(f"{n:02d}" for n in range(int(low), int(high or low) + 1))
        return frozenset(codes)


class UnitTypes(Cited):
    items: tuple[UnitType, ...] = Field(min_length=1)


class ProductTypes(_Model):
    clause: str
    items: tuple[str, ...] = Field(min_length=1)


class Registration(Cited):
    region_prefix: str = Field(pattern=r"^\d{2,6}$")
    region_label: str


class CountLimit(Cited):
    value: int = Field(gt=0)


class DateLimit(Cited):
    value: dt.date


class Limits(_Model):
    description_chars: CountLimit | None = None
    private_contract_from: DateLimit | None = None


class ChecklistCondition(_Model):
    """A conditional sub-requirement of one material, asked as two yes/no questions: ``field`` (does the
    condition hold?) and, when it does, ``then_field`` (does the material meet the extra requirement?).
    Both are attributes of a declaration's product (``long_contract``, ``instalment_terms`` …)."""

    field: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: str
    then_field: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    then_question: str
    clause: str = Field(min_length=1)


class ChecklistItem(_Model):
    no: int = Field(ge=1)
    title: str
    requirement: str
    mandatory: bool = True  # a mandatory material can never be “not applicable”
    conditions: tuple[ChecklistCondition, ...] = ()


class Checklist(_Model):
    id: str
    kind: str
    title: str
    items: tuple[ChecklistItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _numbered(self) -> Checklist:
        numbers = [i.no for i in self.items]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"材料清单 {self.id} 的编号应从 1 起连续，实为 {numbers}")
        return self


class ChecklistStatuses(_Model):
    clause: str
    provided: tuple[str, ...]
    not_applicable: tuple[str, ...] = ()
    missing: tuple[str, ...]
    choices: tuple[str, ...]


class Letter(_Model):
    """The commitment letter's text; ``opening`` holds ``{company}`` for the applicant's full name."""

    annex: str
    title: str
    subtitle: str = ""
    addressee: str
    opening: str = Field(pattern=r"\{company\}")
    items: tuple[str, ...] = Field(min_length=1)
    signature: str
    date_line: str


class UsageWindow(Cited):
    start: dt.date


class LegalPerson(Cited):
    """Which organisation types (统一社会信用代码 positions 1–2, GB 32100-2015) may apply."""

    eligible: tuple[str, ...] = Field(min_length=1)

    @field_validator("eligible")
    @classmethod
    def _two_characters(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if len(code) != 2 or not code.isalnum() or code != code.upper():
                raise ValueError(f"机构类别代码应为两位（如 91），实为 {code!r}")
        return value


class FormField(_Model):
    """A field of the application form that must be filled (``optional``: the form says it may be left
    blank, so a blank one is only a warning). ``path`` is a declaration path; ``products[].x`` means
    every product's ``x``."""

    path: str = Field(pattern=r"^(company\.|products\[\]\.)?[a-z][a-z0-9_]*$")
    label: str
    clause: str = Field(min_length=1)
    optional: bool = False


class EvidenceItems(_Model):
    """Which checklist item (1-based) holds which kind of document; None when the list has no such item."""

    form: int | None = Field(default=None, ge=1)
    contract: int | None = Field(default=None, ge=1)
    settlement: int | None = Field(default=None, ge=1)
    invoice: int | None = Field(default=None, ge=1)


class Evidence(_Model):
    """The evidence-linked checklist: item roles per checklist id, and each cross-check's clause."""

    clause: str
    items: dict[str, EvidenceItems] = {}
    checks: dict[str, Cited] = {}

    def check(self, key: str) -> Cited:
        try:
            return self.checks[key]
        except KeyError:
            raise PolicyError(f"政策缺少材料核验规则 evidence.checks.{key}") from None


class Policy(_Model):
    """A whole reward scheme."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    source: str
    yearly_scope: str = "自然年"
    usage_window: UsageWindow | None = None
    enterprise_cap: EnterpriseCap | None = None
    kinds: tuple[Kind, ...] = Field(min_length=1)
    scenarios: Scenarios | None = None
    unit_types: UnitTypes | None = None
    product_types: ProductTypes | None = None
    registration: Registration | None = None
    legal_person: LegalPerson | None = None
    form_fields: tuple[FormField, ...] = ()
    limits: Limits = Limits()
    requirements: dict[str, Cited] = {}
    checklists: tuple[Checklist, ...] = ()
    checklist_statuses: ChecklistStatuses | None = None
    letter: Letter | None = None
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _references_resolve(self) -> Policy:
        ids = [k.id for k in self.kinds]
        if len(ids) != len(set(ids)):
            raise ValueError(f"奖励方式 id 重复：{ids}")
        lists = {c.id for c in self.checklists}
        for kind in self.kinds:
            if kind.checklist is not None and kind.checklist not in lists:
                raise ValueError(f"奖励方式 {kind.id} 引用了不存在的材料清单 {kind.checklist}")
        for checklist in self.checklists:
            if checklist.kind not in ids:
                raise ValueError(f"材料清单 {checklist.id} 引用了不存在的奖励方式 {checklist.kind}")
        if self.evidence is not None:
            sizes = {c.id: len(c.items) for c in self.checklists}
            for list_id, roles in self.evidence.items.items():
                if list_id not in sizes:
                    raise ValueError(f"evidence.items 引用了不存在的材料清单 {list_id}")
                for role, no in roles.model_dump().items():
                    if no is not None and no > sizes[list_id]:
                        raise ValueError(
                            f"evidence.items.{list_id}.{role} = {no} 超出清单项数 {sizes[list_id]}"
                        )
        return self

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def kind(self, key: str) -> Kind:
        """The kind whose id or alias is ``key`` (case-insensitive, surrounding blanks ignored)."""
        wanted = key.strip().casefold()
        for kind in self.kinds:
            if wanted in {kind.id, kind.label.casefold(), kind.short_label.casefold()} | {
                a.casefold() for a in kind.aliases
            }:
                return kind
        names = "、".join(f"{k.short_label}（{k.id}）" for k in self.kinds)
        raise KeyError(f"奖励方式无效：{key!r}，应为 {names}")

    def checklist(self, kind: Kind) -> Checklist | None:
        return next((c for c in self.checklists if c.id == kind.checklist), None)

    def requirement(self, key: str) -> Cited:
        try:
            return self.requirements[key]
        except KeyError:
            raise PolicyError(f"政策 {self.label} 缺少规则 requirements.{key}") from None


def parse_policy(text: str, source: str) -> Policy:
    """Parse and validate a policy file's TOML text; errors name ``source`` and each bad field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"at line (\d+), column (\d+)", str(exc)) or re.search(r"at line (\d+)()", str(exc))
        where = f"第 {at[1]} 行" + (f"第 {at[2]} 列" if at and at[2] else "") if at else "某处"
        raise PolicyError(
            f"政策文件 {source} 不是有效的 TOML：{where}格式有误（如缺少等号、引号或括号未配对），请对照内置政策文件修改"
        ) from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(str(p) for p in err['loc']) or '（顶层）'}：{_problem(err)}" for err in exc.errors()
        )
        raise PolicyError(f"政策文件 {source} 格式错误：{problems}") from None


# pydantic's English messages, said in Chinese for the people who edit policy files.
_PROBLEMS = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "string_too_short": "不能为空",
    "too_short": "至少应有 {min_length} 项",
    "string_pattern_mismatch": "格式不符，应匹配 {pattern}",
    "literal_error": "应为 {expected}",
    "decimal_parsing": '应为数字，如 "100000"',
    "decimal_type": '应为数字，如 "100000"',
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期，如 2024-09-01",
    "date_parsing": "应为日期，如 2024-09-01",
    "date_from_datetime_parsing": "应为日期，如 2024-09-01",
}


def _problem(err: ErrorDetails) -> str:
    if err["type"] == "value_error":  # our own validators' messages, already in Chinese
        return str(err.get("ctx", {}).get("error", err["msg"]))
    template = _PROBLEMS.get(err["type"])
    if template is None:
        return err["msg"]
    text = template.format(**err.get("ctx", {}))
    if err["type"] != "missing" and not isinstance(err["input"], (dict, list, tuple)):
        text += f"，实为 {err['input']!r}"
    return text


def load_policy_file(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"无法读取政策文件 {path}：{os_reason(exc)}") from None
    return parse_policy(text, str(path))


DEFAULT_POLICY = "beijing-2024"


def bundled_policy_ids() -> list[str]:
    folder = resources.files("xlmv.policies")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_policy(policy_id: str = DEFAULT_POLICY) -> Policy:
    """The policy with this id: the one given with ``--policy`` (``use_policy``) if its id matches, else
    the bundled one (``beijing-2024``), parsed once per process."""
    chosen = _CHOSEN.get("policy")
    if chosen is not None and chosen.id == policy_id:
        return chosen
    return _load_bundled(policy_id)


_CHOSEN: dict[str, Policy] = {}  # the policy of this run, set once by the command line


def use_policy(policy: Policy) -> Policy:
    """Make ``policy`` this process's policy: ``current_policy()`` returns it and ``load_policy(its id)``
    too, so that every layer reading a declaration's policy id finds it. Used by ``--policy``."""
    _CHOSEN["policy"] = policy
    return policy


def current_policy() -> Policy:
    """The policy given with ``--policy``, else the bundled default."""
    return _CHOSEN.get("policy") or _load_bundled(DEFAULT_POLICY)


def policy_from_option(ref: str) -> Policy:
    """``--policy REF``: a TOML file (a path that ends in ``.toml`` or exists), else a bundled policy id."""
    path = Path(ref)
    if ref.lower().endswith(".toml") or path.is_file():
        return load_policy_file(path)
    return _load_bundled(ref)


def mismatch(recorded: str, policy: Policy) -> str | None:
    """Why a file that recorded policy ``recorded`` (``id@version``) cannot be read under ``policy``;
    ``None`` when they agree or the file recorded none."""
    recorded = recorded.strip()
    if not recorded or recorded == policy.label:
        return None
    return (
        f"该文件按政策 {recorded} 生成，与本次使用的政策 {policy.label}（{policy.title}）不同；"
        f"请用 --policy 指定生成该文件时所用的政策文件，或用 {policy.label} 的模板重新填写"
    )


@cache
def _load_bundled(policy_id: str) -> Policy:
    resource = resources.files("xlmv.policies") / f"{policy_id}.toml"
    if not resource.is_file():
        known = "、".join(bundled_policy_ids())
        raise PolicyError(f"未知的政策：{policy_id!r}，可用的有：{known}")
    return parse_policy(resource.read_text(encoding="utf-8"), f"xlmv/policies/{policy_id}.toml")
