"""Recognising invoices, settlement statements and contracts in the text of a PDF or OFD page.

The layouts follow the printed forms: 数电发票 (“电子发票（普通发票）”, 发票号码 of 20 digits, 购买方信息 /
销售方信息 side by side) and 增值税电子普通/专用发票 (发票代码 + 发票号码, 购买方 / 销售方 blocks). Buyer and
seller stand side by side, so a line holds both: the first 名称 / 纳税人识别号 is the buyer's, the second
the seller's. Amounts: ``合计 ¥金额 ¥税额`` and ``价税合计 …（小写）¥总额``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from xlmv.evidence.documents import Contract, Invoice, Party, Settlement

__all__ = ["parse_contract", "parse_date", "parse_invoice", "parse_money", "parse_settlement"]

_SEP = r"\s*[:：]\s*"
_DATE = r"(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?"
_MONEY = r"[¥￥]?\s*(-?[0-9][0-9,]*(?:\.[0-9]{1,2})?)"
_TAX_ID = r"([0-9A-Z]{15,20})"


def normalise_text(text: str) -> str:
    """Ideographic spaces as plain ones; everything else as written (names keep their full-width brackets,
    the patterns accept both forms)."""
    return text.replace("\u3000", " ").replace("\xa0", " ")


def parse_date(text: str) -> dt.date | None:
    match = re.search(_DATE, text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_money(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").replace("¥", "").replace("￥", "").strip())
    except InvalidOperation:
        return None


def _first(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.M)
    return match[1].strip() if match else ""


def _name_values(text: str) -> list[str]:
    """Every ``名称：…`` value in reading order (a name ends at two spaces, a space before the next label,
    or the line end; a name may itself contain 名称 or 纳税人)."""
    return [
        m[1].strip()
        for m in re.finditer(
            r"名\s*称" + _SEP + r"(.+?)(?=\s{2,}|\s+(?:名\s*称|统一社会|纳税人)\S*\s*[:：]|$)", text, re.M
        )
    ]


def parse_invoice(raw: str) -> Invoice | None:
    """An invoice, or None when the text is not one (no 发票号码)."""
    text = normalise_text(raw)
    number = _first(r"发票号码" + _SEP + r"([0-9]{8,20})", text)
    if not number:
        return None
    label = _first(r"^\s*(\S*发票\S*)\s*$", text) or _first(r"(\S*(?:电子发票|增值税\S*发票)\S*)", text)
    date = parse_date(_first(r"开票日期" + _SEP + r"(.{8,16})", text))
    names = _name_values(text)
    ids = re.findall(r"(?:统一社会信用代码\s*/\s*)?纳税人识别号" + _SEP + _TAX_ID, text)
    totals = re.findall(r"合\s*计\s+" + _MONEY + r"\s+" + _MONEY, text)
    total = _first(r"[(（]\s*小\s*写\s*[)）]\s*" + _MONEY, text)
    amount, tax = (parse_money(totals[0][0]), parse_money(totals[0][1])) if totals else (None, None)
    return Invoice(
        label=label,
        number=number,
        date=date,
        buyer=Party(name=names[0] if names else "", tax_id=ids[0] if ids else ""),
        seller=Party(name=names[1] if len(names) > 1 else "", tax_id=ids[1] if len(ids) > 1 else ""),
        amount=amount,
        tax=tax,
        total=parse_money(total) if total else None,
    )


SETTLEMENT_WORD = "结算单"


def parse_settlement(raw: str) -> Settlement | None:
    """A settlement statement (结算单) laid out as ``标签：值`` lines, or None when it is not one."""
    text = normalise_text(raw)
    if SETTLEMENT_WORD not in text:
        return None
    period = _first(r"结算(?:期间|周期)" + _SEP + r"(.+)", text)
    dates = [parse_date(m[0]) for m in re.finditer(_DATE, period)]
    amount = _first(r"结算金额(?:\s*[(（]元[)）])?" + _SEP + _MONEY, text)
    return Settlement(
        provider=_first(r"(?:服务提供方|出具方|供给企业)" + _SEP + r"(.+?)(?=\s{2,}|$)", text).strip(),
        service=_first(r"(?:模型服务|服务名称|服务内容)" + _SEP + r"(.+?)(?=\s{2,}|$)", text).strip(),
        period_start=dates[0] if dates else None,
        period_end=dates[1] if len(dates) > 1 else None,
        amount=parse_money(amount) if amount else None,
    )


def parse_contract(raw: str) -> Contract:
    """A contract: whether it has text, and its signing date where a 签署/签订日期 label gives one."""
    text = normalise_text(raw)
    date = _first(r"(?:签署|签订|签约)日期" + _SEP + r"(.{8,16})", text)
    return Contract(has_text=len(text.strip()) >= 10, signing_date=parse_date(date) if date else None)
