"""中央网信办生成式人工智能服务备案号 (附件3 一.6, “大模型产品应经中央网信办备案”), e.g.
``Beijing-WenXinYiYan-20230821``: a Pinyin jurisdiction, a model name and the filing date, optionally with a
sequence number. Real samples are in ``xlmv/data/cac_filing_samples.csv``.

>>> validate("Beijing - DeepseekChat - 202404280016")
'Beijing-DeepseekChat-202404280016'
>>> filing_date("ZhongYangQiYe-JiuTian-20240123")
datetime.date(2024, 1, 23)
>>> is_valid("Beijing-WenXinYiYan-20231345")
False
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from xlmv.identifiers._common import IdentifierError, accepts, fold_dashes, normalise, shown

__all__ = ["filing_date", "is_valid", "validate"]

FIELD = "网信办备案号"
EXPECTED = "应形如 Beijing-WenXinYiYan-20230821"
_EARLIEST = date(2023, 1, 1)
_BEIJING_TIME = ZoneInfo("Asia/Shanghai")
_PARTS = re.compile(r"([^-]*)-([^-]*)-([^-]*)")
_JURISDICTION = re.compile(r"(?:[A-Z][a-z]+)+")  # Pinyin CamelCase: Beijing, ZheJiang, ZhongYangQiYe
_MODEL = re.compile(r"[A-Za-z0-9]+")  # WenXinYiYan, DeepseekChat, Qwen2, 360ZhiNao
_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})\d*")  # YYYYMMDD, optionally a sequence: 202404280016
_ALGORITHM_FILING = re.compile(r"网信算备|^\d{15,}$")


def _parse(value: object) -> tuple[str, date]:
    def fail(problem: str) -> IdentifierError:
        return IdentifierError(problem, value, EXPECTED, field=FIELD)

    quoted = shown(value)
    text = re.sub(r"\s*-\s*", "-", fold_dashes(normalise(value)))
    if not text:
        raise fail("未填写中央网信办备案号")
    if _ALGORITHM_FILING.search(text):
        raise fail(f"{quoted} 似为算法备案号，应填写生成式人工智能服务备案号，{EXPECTED}")
    parts = _PARTS.fullmatch(text)
    if parts is None:
        raise fail(f"中央网信办备案号格式不正确：{quoted}，{EXPECTED}")
    jurisdiction, model, digits = parts.groups()
    if not _JURISDICTION.fullmatch(jurisdiction):
        raise fail(f"备案号地区部分应为拼音（首字母大写，如 Beijing、ZheJiang）：{quoted}")
    if not _MODEL.fullmatch(model):
        raise fail(f"备案号模型名称部分应为英文字母或数字：{quoted}")
    date_match = _DIGITS.fullmatch(digits)
    if date_match is None:
        raise fail(f"备案号末段应为 8 位日期（年月日），可带序号：{quoted}")
    year, month, day = (int(g) for g in date_match.groups())
    try:
        filed = date(year, month, day)
    except ValueError:
        raise fail(f"备案号中的日期不存在：{digits[:8]}（{quoted}）") from None
    if filed < _EARLIEST:
        raise fail(f"备案号中的日期早于 2023 年：{digits[:8]}（{quoted}）")
    if filed > datetime.now(_BEIJING_TIME).date():
        raise fail(f"备案号中的日期晚于今天：{digits[:8]}（{quoted}）")
    return text, filed


def validate(value: object) -> str:
    """The filing number with its dashes normalised; else ``IdentifierError``."""
    return _parse(value)[0]


def is_valid(value: object) -> bool:
    """Whether ``validate`` accepts the value."""
    return accepts(validate, value)


def filing_date(value: object) -> date:
    """The date embedded in a valid filing number (``validate``'s errors otherwise)."""
    return _parse(value)[1]
