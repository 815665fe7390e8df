"""Identifier checks for the 模型券 declaration form (附件3-3), with Chinese problem texts.

This module owns every identifier an applicant types into the form and the reference tables behind them:

* 统一社会信用代码 (USCC, GB 32100-2015): format and check character via ``stdnum.cn.uscc``, plus the
  registration district from ``xlmv/data/gb2260_beijing.csv`` — 附件3 一.1 requires a company "在北京市注册".
* 国民经济行业分类代码 (GB/T 4754-2017): reduced to its 2-digit division (大类) from
  ``xlmv/data/gbt4754_divisions.csv`` — 附件3 一.1 limits applicants to 软件信息服务业、制造业、科技服务业
  and the like.
* 中央网信办生成式人工智能服务备案号 (附件3 一.6, "大模型产品应经中央网信办备案"), e.g.
  ``Beijing-WenXinYiYan-20230821``; real samples are in ``xlmv/data/cac_filing_samples.csv``.
* 联系邮箱 and 联系人手机.

Checks never raise on user input: they return ``None`` (or a verdict) when the value is fine, otherwise a
short Chinese phrase that quotes what was typed. Values may arrive straight from Excel (``None``, ``float``).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from stdnum.cn import uscc as _stdnum_uscc

__all__ = [
    "Division",
    "UsccVerdict",
    "beijing_district",
    "cac_filing_date",
    "check_cac_filing",
    "check_email",
    "check_mobile",
    "check_uscc",
    "division_of",
    "parse_industry_code",
]


# --------------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------------

# Characters that survive NFKC and strip() but are never meaningful inside an identifier.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# Dash look-alikes that NFKC leaves alone (U+FF0D is already folded to "-" by NFKC).
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")


def _as_text(value: object) -> str:
    """Excel/COM value → text as meant: ``None`` → ``""``, ``13800138000.0`` → ``"13800138000"``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _normalise(value: object) -> str:
    """NFKC (full-width → ASCII), invisible characters removed, surrounding whitespace stripped."""
    return unicodedata.normalize("NFKC", _as_text(value)).translate(_INVISIBLE).strip()


def _shown(value: object) -> str:
    """What the user typed, quoted for a message (``'X99'``; numbers from Excel without ``.0``)."""
    return repr(_as_text(value).strip())


def _read_csv(name: str) -> list[dict[str, str]]:
    text = files("xlmv.data").joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------------------------------------
# 统一社会信用代码 (USCC) and Beijing districts
# --------------------------------------------------------------------------------------------------------

_USCC_LENGTH = 18
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")  # GB 32100-2015: no I, O, Z, S, V
_BEIJING_PREFIX = "11"
_AREA = re.compile(r"[0-9]{6}")
_MERGED_NOTE = re.compile(r"[\s\d]+$")  # "并入东城区 110101" → "并入东城区"


@cache
def _beijing_districts() -> Mapping[str, str]:
    """Area code → display name, from ``gb2260_beijing.csv`` (current, abolished and 110302)."""
    names: dict[str, str] = {}
    for row in _read_csv("gb2260_beijing.csv"):
        code, name, level, status = row["code"], row["name"], row["level"], row["status"]
        note = _MERGED_NOTE.sub("", row["note"]).strip()
        if level == "province":
            names[code] = name
        elif level == "prefecture":  # 110100 市辖区: means "somewhere in the city"
            names[code] = "北京市"
        elif status.startswith("abolished"):
            names[code] = f"北京市{name}（已撤销，{note}）" if note else f"北京市{name}（已撤销）"
        elif level == "county":
            names[code] = f"北京市{name}"
        else:  # 110302 北京经济技术开发区: a registration-authority code, not a GB/T 2260 county
            names[code] = name
    return MappingProxyType(names)


def beijing_district(area_code: str) -> str | None:
    """The Beijing district an area code (USCC chars 3-8) stands for, or ``None`` if unknown.

    >>> beijing_district("110108")
    '北京市海淀区'
    >>> beijing_district("110103")
    '北京市崇文区（已撤销，并入东城区）'
    >>> beijing_district("110302")
    '北京经济技术开发区'
    >>> beijing_district("310115") is None
    True
    """
    return _beijing_districts().get(_normalise(area_code))


class UsccVerdict(BaseModel, frozen=True):
    """The outcome of checking one 统一社会信用代码; ``text()`` is what a result cell shows."""

    code: str
    """The code as checked: NFKC, all whitespace removed, upper-case."""
    valid: bool
    """Length, alphabet and check character are all right."""
    area_code: str | None
    """Characters 3-8 (登记管理机关行政区划码) when they are six digits."""
    district: str | None
    """``北京市海淀区``; abolished codes and 110302 are named too (see ``beijing_district``)."""
    in_beijing: bool
    """The area code starts with ``11``."""
    problem: str | None
    """What is wrong, in Chinese; ``None`` only when the code is valid and registered in Beijing."""

    def text(self) -> str:
        if self.problem is not None:
            return self.problem
        return f"有效，{self.district or f'北京市（行政区划代码 {self.area_code}）'}"


def _uscc_format_problems(code: str) -> list[str]:
    problems: list[str] = []
    if len(code) != _USCC_LENGTH:
        problems.append(f"长度应为 {_USCC_LENGTH} 位，实为 {len(code)} 位")
    illegal = list(dict.fromkeys(c for c in code if c not in _USCC_ALPHABET))
    if illegal:
        problems.append("含非法字符：" + "、".join(repr(c) for c in illegal))
    elif not re.fullmatch(r"[0-9]*", code[:8]):  # stdnum: authority, entity type and area code are digits
        problems.append(f"前 8 位应为数字：{code[:8]!r}")
    return problems


def check_uscc(code: object) -> UsccVerdict:
    """Check a 统一社会信用代码; never raises, whatever Excel hands over.

    >>> check_uscc("91110108MA01ABCDX" + "2").text()
    '校验位错误：应为 5，实为 2'
    >>> check_uscc(None).text()
    '未填写'
    """
    normalised = "".join(_normalise(code).split()).upper()
    area = normalised[2:8] if _AREA.fullmatch(normalised[2:8]) else None
    in_beijing = area is not None and area.startswith(_BEIJING_PREFIX)
    district = beijing_district(area) if area is not None else None

    problem: str | None
    valid = False
    if not normalised:
        problem = "未填写"
    elif problems := _uscc_format_problems(normalised):
        problem = "；".join(problems)
    else:
        expected = _stdnum_uscc.calc_check_digit(normalised[:-1])
        valid = expected == normalised[-1] and _stdnum_uscc.is_valid(normalised)
        if not valid:
            problem = f"校验位错误：应为 {expected}，实为 {normalised[-1]}"
        elif not in_beijing:
            problem = f"登记地不在北京（行政区划代码 {area}）"
        else:
            problem = None
    if not valid and isinstance(code, float) and normalised:
        # An 18-character code stored as a number has lost digits (float keeps ~15-16).
        problem = f"{problem}（Excel 将其存为数字，可能已丢失位数，请将单元格设为文本后重新填写）"
    return UsccVerdict(
        code=normalised,
        valid=valid,
        area_code=area,
        district=district,
        in_beijing=in_beijing,
        problem=problem,
    )


# --------------------------------------------------------------------------------------------------------
# 国民经济行业分类代码 (GB/T 4754-2017)
# --------------------------------------------------------------------------------------------------------


class Division(BaseModel, frozen=True):
    """A GB/T 4754-2017 division (大类), e.g. ``65 软件和信息技术服务业`` in section ``I``."""

    code: str
    """Two digits, ``"65"``."""
    name: str
    section: str
    """门类 letter, ``"I"``."""


@cache
def _divisions() -> Mapping[str, Division]:
    rows = _read_csv("gbt4754_divisions.csv")
    return MappingProxyType(
        {r["code"]: Division(code=r["code"], name=r["name"], section=r["section"]) for r in rows}
    )


@cache
def _section_names() -> Mapping[str, str]:
    return MappingProxyType({r["section"]: r["name"] for r in _read_csv("gbt4754_sections.csv")})


# Optional section letter, then a division (2), group (3) or class (4) code, optionally followed by the
# Chinese name the applicant copied along ("I6513 应用软件开发").
_INDUSTRY = re.compile(r"([A-Z])?[-.]?(\d{2,4})(?:[-:：、.]?[\u3400-\u9fff（(].*)?")
_INDUSTRY_EXAMPLE = "应为 GB/T 4754-2017 代码，如 6513 或 I6513"


def parse_industry_code(value: object) -> tuple[Division | None, str | None]:
    """Reduce a 国民经济行业分类代码 to its division; exactly one of the pair is ``None``.

    Accepts ``65``, ``6513``, ``I65``, ``I6513``, ``i 6513``, full-width digits and Excel numbers.

    >>> parse_industry_code("I6513")[0].name
    '软件和信息技术服务业'
    >>> print(parse_industry_code("C65")[1][:29])
    国民经济行业分类代码门类与大类不符：'C65'，大类 65
    """
    text = "".join(_normalise(value).split()).upper()
    if not text:
        return None, "未填写国民经济行业分类代码"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(text) == 1:
        text = "0" + text  # Excel drops the leading zero of divisions 01-09
    match = _INDUSTRY.fullmatch(text)
    division = _divisions().get(match.group(2)[:2]) if match else None
    if match is None or division is None or (match.group(1) and match.group(1) not in _section_names()):
        return None, f"国民经济行业分类代码无效：{_shown(value)}，{_INDUSTRY_EXAMPLE}"
    section = match.group(1)
    if section and section != division.section:
        return None, (
            f"国民经济行业分类代码门类与大类不符：{_shown(value)}，大类 {division.code}（{division.name}）"
            f"属于门类 {division.section}（{_section_names()[division.section]}）"
        )
    return division, None


def division_of(industry_code: object) -> Division | None:
    """The 2-digit GB/T 4754-2017 division of an industry code, or ``None`` if it is not a valid one.

    >>> division_of("i 6513").code
    '65'
    >>> division_of("99") is None
    True
    """
    return parse_industry_code(industry_code)[0]


# --------------------------------------------------------------------------------------------------------
# 中央网信办生成式人工智能服务备案号
# --------------------------------------------------------------------------------------------------------

_CAC_EXAMPLE = "应形如 Beijing-WenXinYiYan-20230821"
_CAC_EARLIEST = date(2023, 1, 1)
_BEIJING_TIME = ZoneInfo("Asia/Shanghai")
_CAC_PARTS = re.compile(r"([^-]*)-([^-]*)-([^-]*)")
_CAC_JURISDICTION = re.compile(r"(?:[A-Z][a-z]+)+")  # Pinyin CamelCase: Beijing, ZheJiang, ZhongYangQiYe
_CAC_MODEL = re.compile(r"[A-Za-z0-9]+")  # WenXinYiYan, DeepseekChat, Qwen2, 360ZhiNao
_CAC_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})\d*")  # YYYYMMDD, optionally a sequence: 202404280016
_ALGORITHM_FILING = re.compile(r"网信算备|^\d{15,}$")


def _cac_parse(number: object) -> tuple[date | None, str | None]:
    shown = _shown(number)
    text = re.sub(r"\s*-\s*", "-", _normalise(number).translate(_DASHES))
    if not text:
        return None, "未填写中央网信办备案号"
    if _ALGORITHM_FILING.search(text):
        return None, f"{shown} 似为算法备案号，应填写生成式人工智能服务备案号，{_CAC_EXAMPLE}"
    parts = _CAC_PARTS.fullmatch(text)
    if parts is None:
        return None, f"中央网信办备案号格式不正确：{shown}，{_CAC_EXAMPLE}"
    jurisdiction, model, digits = parts.groups()
    if not _CAC_JURISDICTION.fullmatch(jurisdiction):
        return None, f"备案号地区部分应为拼音（首字母大写，如 Beijing、ZheJiang）：{shown}"
    if not _CAC_MODEL.fullmatch(model):
        return None, f"备案号模型名称部分应为英文字母或数字：{shown}"
    date_match = _CAC_DIGITS.fullmatch(digits)
    if date_match is None:
        return None, f"备案号末段应为 8 位日期（年月日），可带序号：{shown}"
    year, month, day = (int(g) for g in date_match.groups())
    try:
        filed = date(year, month, day)
    except ValueError:
        return None, f"备案号中的日期不存在：{digits[:8]}（{shown}）"
    if filed < _CAC_EARLIEST:
        return None, f"备案号中的日期早于 2023 年：{digits[:8]}（{shown}）"
    if filed > datetime.now(_BEIJING_TIME).date():
        return None, f"备案号中的日期晚于今天：{digits[:8]}（{shown}）"
    return filed, None


def check_cac_filing(number: object) -> str | None:
    """``None`` when a 生成式人工智能服务备案号 is well-formed, else the problem in Chinese.

    >>> check_cac_filing("Beijing-DeepseekChat-202404280016") is None
    True
    >>> check_cac_filing("Beijing-WenXinYiYan-20231345")
    "备案号中的日期不存在：20231345（'Beijing-WenXinYiYan-20231345'）"
    """
    return _cac_parse(number)[1]


def cac_filing_date(number: object) -> date | None:
    """The date embedded in a well-formed filing number (``None`` when ``check_cac_filing`` objects).

    >>> cac_filing_date("ZhongYangQiYe-JiuTian-20240123")
    datetime.date(2024, 1, 23)
    """
    return _cac_parse(number)[0]


# --------------------------------------------------------------------------------------------------------
# 联系邮箱 and 联系人手机
# --------------------------------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_EMAIL_TLD = re.compile(r"[A-Za-z]{2,}|xn--[A-Za-z0-9-]+")


def check_email(value: object) -> str | None:
    """``None`` for a plausible e-mail address, else the problem in Chinese (pragmatic, not RFC 5322).

    >>> check_email("zhang.san@example.com.cn") is None
    True
    >>> check_email("zhangsan@qq")
    "邮箱域名应含“.”：'zhangsan@qq'"
    """
    raw = _as_text(value).translate(_INVISIBLE).strip()
    shown = repr(raw)
    if not raw:
        return "未填写联系邮箱"
    wide = [c for c in dict.fromkeys(raw) if unicodedata.normalize("NFKC", c) != c]
    if wide:
        return f"邮箱含全角字符 {'、'.join(wide)}，请改用半角：{shown}"
    if any(c.isspace() or c in ",;，；、" for c in raw):
        return f"邮箱含空格或分隔符，只能填写一个邮箱：{shown}"
    if not raw.isascii():
        return f"邮箱含中文或其他非英文字符：{shown}"
    if raw.count("@") != 1:
        return f"邮箱应含且只含一个“@”：{shown}"
    local, domain = raw.split("@")
    if not local or not _EMAIL_LOCAL.fullmatch(local):
        return f"邮箱“@”前的用户名无效：{shown}"
    if "." not in domain:
        return f"邮箱域名应含“.”：{shown}"
    labels = domain.split(".")
    if not all(_EMAIL_LABEL.fullmatch(label) for label in labels) or not _EMAIL_TLD.fullmatch(labels[-1]):
        return f"邮箱域名无效：{shown}"
    return None


_MOBILE = re.compile(r"1[3-9]\d{9}")
_MOBILE_PREFIX = re.compile(r"^(?:(?:\+|00)86|86(?=\d{11}$))")


def check_mobile(value: object) -> str | None:
    """``None`` for a mainland mobile number (11 digits, ``1[3-9]…``), else the problem in Chinese.

    Tolerates ``+86``/``86``/``0086``, spaces, hyphens, brackets and Excel numbers (``13800138000.0``).

    >>> check_mobile("+86 138-0013-8000") is None
    True
    >>> check_mobile("010-12345678")
    "似为固定电话，应填写手机号：'010-12345678'"
    """
    text = _normalise(value)
    shown = _shown(value)
    if not text:
        return "未填写联系人手机"
    if re.fullmatch(r"\d(?:\.\d+)?E\+\d+", text, flags=re.IGNORECASE):
        return f"手机号被 Excel 显示为科学计数法，请将单元格设为文本后重新填写：{shown}"
    digits = _MOBILE_PREFIX.sub("", re.sub(r"[\s\-()（）]", "", text))
    if not digits.isdigit():
        return f"手机号只能含数字：{shown}"
    if digits.startswith("0"):
        return f"似为固定电话，应填写手机号：{shown}"
    if len(digits) != 11:
        return f"手机号应为 11 位，实为 {len(digits)} 位：{shown}"
    if not _MOBILE.fullmatch(digits):
        return f"手机号应以 13–19 开头：{shown}"
    return None
