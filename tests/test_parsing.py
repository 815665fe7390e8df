"""Tests for xlmv.parsing: amounts, dates, ratios and display formatting."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmv.errors import InputError, _show
from xlmv.money import format_wan, format_yuan
from xlmv.parsing import (
    excel_error_name,
    parse_amount,
    parse_date,
    parse_optional_amount,
    parse_optional_date,
    parse_ratio,
)

D = Decimal


def _assert_shows_input(err: InputError, value: object) -> None:
    """The message must show what was typed (strings appear as their repr, like InputError prints them)."""
    text = str(err)
    if isinstance(value, str):
        assert repr(value) in text if value.strip() else "（空）" in text
    elif value is None:
        assert "（空）" in text
    else:
        assert _show(value) in text


# ------------------------------------------------------------------------------------------- amounts

AMOUNT_ACCEPTED: list[tuple[object, Decimal]] = [
    # numbers as Excel / Python hand them over
    (0, D("0.00")),
    (1200000, D("1200000.00")),
    (D("1200000.5"), D("1200000.50")),
    (D("1.200"), D("1.20")),
    (D("1E+3"), D("1000.00")),
    (D("-0"), D("0.00")),
    (1200000.0, D("1200000.00")),
    (1e5, D("100000.00")),
    (0.5, D("0.50")),
    (-0.0, D("0.00")),
    (0.1 + 0.2, D("0.30")),  # 0.30000000000000004
    (1.1 * 3, D("3.30")),  # 3.3000000000000003
    (100.0 - 99.99, D("0.01")),  # 0.010000000000005116
    (1200000.0000009, D("1200000.00")),  # within 1e-6 yuan
    (12039069771.370005, D("12039069771.37")),  # 2 ulps off: above 8.6e9 one ulp exceeds 1e-6
    # plain text
    ("1200000", D("1200000.00")),
    ("1200000.5", D("1200000.50")),
    ("1200000.50", D("1200000.50")),
    ("0", D("0.00")),
    ("0.01", D("0.01")),
    ("1.200", D("1.20")),
    ("1,200,000.00", D("1200000.00")),
    ("1,200,000", D("1200000.00")),
    ("999", D("999.00")),
    ("1,000", D("1000.00")),
    ("  1200000  ", D("1200000.00")),
    ("-0", D("0.00")),
    # currency sign and unit
    ("¥1,200,000元", D("1200000.00")),
    ("￥1,200,000.00", D("1200000.00")),
    ("¥ 1200000", D("1200000.00")),
    ("1200000元", D("1200000.00")),
    ("120万", D("1200000.00")),
    ("120万元", D("1200000.00")),
    ("120 万 元", D("1200000.00")),
    ("1.5万", D("15000.00")),
    ("0.000001万", D("0.01")),
    ("1,200万", D("12000000.00")),
    ("0.012亿", D("1200000.00")),
    ("0.012亿元", D("1200000.00")),
    ("¥0.012亿元", D("1200000.00")),
    ("1亿", D("100000000.00")),
    # full-width
    ("１２０万", D("1200000.00")),
    ("１，２００，０００．００", D("1200000.00")),
    ("￥１２０万元", D("1200000.00")),
    ("\u3000120万\u3000", D("1200000.00")),
]


@pytest.mark.parametrize(("value", "expected"), AMOUNT_ACCEPTED)
def test_parse_amount_accepts(value: object, expected: Decimal) -> None:
    result = parse_amount(value)
    assert result == expected
    assert result.as_tuple().exponent == -2
    assert not result.is_signed()


AMOUNT_REJECTED: list[tuple[object, str]] = [
    (None, "金额未填写"),
    ("", "金额未填写"),
    ("   ", "金额未填写"),
    ("\u3000", "金额未填写"),
    (True, "金额无效"),
    (False, "金额无效"),
    (-1, "金额不能为负数"),
    (-0.5, "金额不能为负数"),
    (D("-0.01"), "金额不能为负数"),
    ("-5", "金额不能为负数"),
    ("-120万", "金额不能为负数"),
    ("−5", "金额不能为负数"),  # U+2212 MINUS SIGN
    ("－５", "金额不能为负数"),  # full-width hyphen-minus
    (float("nan"), "金额无效"),
    (float("inf"), "金额无效"),
    (float("-inf"), "金额无效"),
    (D("NaN"), "金额无效"),
    (D("Infinity"), "金额无效"),
    ("12o万", "金额无效"),
    ("1.2.3", "金额无效"),
    ("120万万", "金额无效"),
    ("120亿万", "金额无效"),
    ("--5", "金额无效"),
    ("+5", "金额无效"),
    ("1e5", "金额无效"),
    ("1E5", "金额无效"),
    ("1,20,000", "金额无效"),
    ("1234,567", "金额无效"),
    ("1,2345", "金额无效"),
    (",100", "金额无效"),
    ("1,000.000,0", "金额无效"),
    ("1200000.", "金额无效"),
    (".5", "金额无效"),
    ("RMB1200000", "金额无效"),
    ("CNY1200000", "金额无效"),
    ("1200000元¥", "金额无效"),
    ("元", "金额无效"),
    ("万", "金额无效"),
    ("¥", "金额无效"),
    ("(1,000)", "金额无效"),
    ("一百万", "金额无效"),
    ("١٢٣", "金额无效"),  # Arabic-Indic digits: not ASCII after NFKC
    ("nan", "金额无效"),
    ("inf", "金额无效"),
    ("1" * 65, "金额无效"),
    ("1.234", "金额无效"),
    ("0.001", "金额无效"),
    ("0.0000001万", "金额无效"),
    ("0.00000000001亿", "金额无效"),
    (1.234, "金额无效"),
    (1200000.000002, "金额无效"),  # more than 1e-6 yuan from a fen value
    (0.005, "金额无效"),
    (D("0.001"), "金额无效"),
    ([1], "金额无效"),
    (object(), "金额无效"),
    (10**16, "金额过大"),
    (1e20, "金额过大"),
    ("1" + "0" * 16, "金额过大"),
]


@pytest.mark.parametrize(("value", "kind"), AMOUNT_REJECTED)
def test_parse_amount_rejects(value: object, kind: str) -> None:
    with pytest.raises(InputError) as info:
        parse_amount(value)
    assert info.value.kind == kind
    _assert_shows_input(info.value, value)


def test_parse_amount_default_expected_text() -> None:
    with pytest.raises(InputError) as info:
        parse_amount("12o万")
    assert info.value.short() == "金额无效：'12o万'"
    assert str(info.value) == (
        "金额无效：'12o万'，应为不小于 0 的金额（元），如 1200000、1,200,000.00、120万 或 0.012亿"
    )


def test_parse_amount_precision_message() -> None:
    with pytest.raises(InputError) as info:
        parse_amount(1.234)
    assert "金额最多精确到分（两位小数）" in str(info.value)


def test_parse_amount_field_prefix() -> None:
    with pytest.raises(InputError) as info:
        parse_amount("abc", field="核定金额")
    assert info.value.field == "核定金额"
    assert str(info.value).startswith("核定金额：金额无效：'abc'")


EXCEL_ERRORS = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}


@pytest.mark.parametrize(("code", "name"), EXCEL_ERRORS.items())
def test_excel_error_codes(code: int, name: str) -> None:
    assert excel_error_name(code) == name
    assert excel_error_name(name) == name
    assert excel_error_name(f" {name.lower()} ") == name
    for parse in (parse_amount, parse_date, parse_ratio):
        with pytest.raises(InputError) as info:
            parse(code)
        assert info.value.kind == "单元格错误值"
        assert name in info.value.short()
        with pytest.raises(InputError) as info:
            parse(name)
        assert info.value.kind == "单元格错误值"
        assert repr(name) in str(info.value)


def test_excel_error_full_width_and_newer_texts() -> None:
    assert excel_error_name("＃Ｎ／Ａ") == "#N/A"
    assert excel_error_name("#SPILL!") == "#SPILL!"
    with pytest.raises(InputError) as info:
        parse_amount("＃Ｎ／Ａ")
    assert info.value.kind == "单元格错误值"
    assert "'＃Ｎ／Ａ'" in str(info.value)


@pytest.mark.parametrize("value", [0, -1, 1.0, True, None, "N/A", "#", "#FOO!", -2146826281.0, "x" * 100])
def test_excel_error_name_none(value: object) -> None:
    assert excel_error_name(value) is None


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000"])
def test_parse_optional_amount_blank(value: object) -> None:
    assert parse_optional_amount(value) is None


def test_parse_optional_amount_value() -> None:
    assert parse_optional_amount("120万") == D("1200000.00")
    with pytest.raises(InputError):
        parse_optional_amount("12o万")


# --------------------------------------------------------------------------------------------- dates

DATE_ACCEPTED: list[tuple[object, datetime.date]] = [
    (datetime.date(2024, 9, 1), datetime.date(2024, 9, 1)),
    (datetime.datetime(2024, 9, 1, 23, 59, 59), datetime.date(2024, 9, 1)),
    (1, datetime.date(1900, 1, 1)),
    (2, datetime.date(1900, 1, 2)),
    (31, datetime.date(1900, 1, 31)),
    (32, datetime.date(1900, 2, 1)),
    (59, datetime.date(1900, 2, 28)),
    (61, datetime.date(1900, 3, 1)),
    (45536, datetime.date(2024, 9, 1)),
    (2958465, datetime.date(9999, 12, 31)),
    (45536.0, datetime.date(2024, 9, 1)),
    (45536.75, datetime.date(2024, 9, 1)),
    (45536.999999, datetime.date(2024, 9, 1)),
    (1.5, datetime.date(1900, 1, 1)),
    (59.9, datetime.date(1900, 2, 28)),
    (D("45536.5"), datetime.date(2024, 9, 1)),
    ("2024-09-01", datetime.date(2024, 9, 1)),
    ("2024-9-1", datetime.date(2024, 9, 1)),
    ("2024/9/1", datetime.date(2024, 9, 1)),
    ("2024/09/01", datetime.date(2024, 9, 1)),
    ("2024.9.1", datetime.date(2024, 9, 1)),
    ("2024年9月1日", datetime.date(2024, 9, 1)),
    ("2024年09月01日", datetime.date(2024, 9, 1)),
    ("2024 年 9 月 1 日", datetime.date(2024, 9, 1)),
    ("20240901", datetime.date(2024, 9, 1)),
    ("  2024-09-01 ", datetime.date(2024, 9, 1)),
    ("２０２４－０９－０１", datetime.date(2024, 9, 1)),
    ("２０２４年９月１日", datetime.date(2024, 9, 1)),
    ("２０２４／９／１", datetime.date(2024, 9, 1)),
    ("2024-02-29", datetime.date(2024, 2, 29)),
]


@pytest.mark.parametrize(("value", "expected"), DATE_ACCEPTED)
def test_parse_date_accepts(value: object, expected: datetime.date) -> None:
    result = parse_date(value)
    assert result == expected
    assert type(result) is datetime.date


DATE_REJECTED: list[tuple[object, str]] = [
    (None, "日期未填写"),
    ("", "日期未填写"),
    ("  ", "日期未填写"),
    (True, "日期无效"),
    (0, "日期无效"),
    (-1, "日期无效"),
    (60, "日期无效"),  # Excel's fictitious 1900-02-29
    (60.5, "日期无效"),
    (0.5, "日期无效"),
    (2958466, "日期无效"),
    (2958466.0, "日期无效"),
    (float("nan"), "日期无效"),
    (float("inf"), "日期无效"),
    (D("NaN"), "日期无效"),
    ("2024-02-30", "日期无效"),
    ("2023-02-29", "日期无效"),
    ("2024-13-01", "日期无效"),
    ("2024-00-10", "日期无效"),
    ("2024年2月30日", "日期无效"),
    ("20240230", "日期无效"),
    ("00000101", "日期无效"),
    ("45536", "日期无效"),  # digit-only text is only YYYYMMDD
    ("2024901", "日期无效"),
    ("202409011", "日期无效"),
    ("2024-9/1", "日期无效"),
    ("2024-9-1-1", "日期无效"),
    ("24-9-1", "日期无效"),
    ("9/1/2024", "日期无效"),
    ("2024年9月1", "日期无效"),
    ("2024年9月", "日期无效"),
    ("2024-09-01T00:00", "日期无效"),
    ("yesterday", "日期无效"),
    ("2" * 65, "日期无效"),
    ([2024, 9, 1], "日期无效"),
]


@pytest.mark.parametrize(("value", "kind"), DATE_REJECTED)
def test_parse_date_rejects(value: object, kind: str) -> None:
    with pytest.raises(InputError) as info:
        parse_date(value)
    assert info.value.kind == kind
    _assert_shows_input(info.value, value)
    assert "应为日期，如 2024-09-01、2024/9/1、2024年9月1日" in str(info.value)


def test_parse_optional_date() -> None:
    assert parse_optional_date(None) is None
    assert parse_optional_date(" ") is None
    assert parse_optional_date("2024/9/1") == datetime.date(2024, 9, 1)
    with pytest.raises(InputError):
        parse_optional_date("2024-02-30")


# -------------------------------------------------------------------------------------------- ratios

RATIO_ACCEPTED: list[tuple[object, Decimal]] = [
    (0, D(0)),
    (1, D(1)),
    (0.5, D("0.5")),
    (0.8, D("0.8")),
    (1.0, D(1)),
    (0.1 + 0.2, D("0.3")),
    (D("0.75"), D("0.75")),
    ("0.5", D("0.5")),
    ("1", D(1)),
    ("0", D(0)),
    ("50%", D("0.5")),
    ("50 %", D("0.5")),
    ("５０％", D("0.5")),
    ("0%", D(0)),
    ("100%", D(1)),
    ("12.5%", D("0.125")),
    (" 0.8 ", D("0.8")),
]


@pytest.mark.parametrize(("value", "expected"), RATIO_ACCEPTED)
def test_parse_ratio_accepts(value: object, expected: Decimal) -> None:
    assert parse_ratio(value) == expected


RATIO_REJECTED: list[tuple[object, str]] = [
    (None, "比例未填写"),
    ("", "比例未填写"),
    (True, "比例无效"),
    (2, "比例无效"),
    (-0.1, "比例无效"),
    (1.0000001, "比例无效"),
    (float("nan"), "比例无效"),
    (float("inf"), "比例无效"),
    (D("NaN"), "比例无效"),
    (D("1.01"), "比例无效"),
    ("80", "比例无效"),
    ("101%", "比例无效"),
    ("-5%", "比例无效"),
    ("50%%", "比例无效"),
    ("%50", "比例无效"),
    ("0.5.5", "比例无效"),
    ("1e-1", "比例无效"),
    ("half", "比例无效"),
    ("0." + "5" * 70, "比例无效"),
]


@pytest.mark.parametrize(("value", "kind"), RATIO_REJECTED)
def test_parse_ratio_rejects(value: object, kind: str) -> None:
    with pytest.raises(InputError) as info:
        parse_ratio(value)
    assert info.value.kind == kind
    _assert_shows_input(info.value, value)
    assert "应为 0 到 1 之间的小数或百分比，如 0.8 或 80%" in str(info.value)


# ------------------------------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (D("1200000"), "1,200,000.00"),
        (D("1200000.5"), "1,200,000.50"),
        (D("0"), "0.00"),
        (D("999.999"), "1,000.00"),
        (D("0.005"), "0.01"),
        (D("0.004"), "0.00"),
        (D("-0.001"), "0.00"),
        (D("-1234.5"), "-1,234.50"),
        (D("123456789012.34"), "123,456,789,012.34"),
    ],
)
def test_format_yuan(amount: Decimal, expected: str) -> None:
    assert format_yuan(amount) == expected


@pytest.mark.parametrize(
    ("amount", "places", "expected"),
    [
        (D("1234567.89"), 2, "123.46"),
        (D("1200000"), 2, "120.00"),
        (D("50"), 2, "0.01"),  # 0.005 万 rounds half up
        (D("49.99"), 2, "0.00"),
        (D("1234567.89"), 0, "123"),
        (D("1235000"), 0, "124"),
        (D("1234567.89"), 4, "123.4568"),
        (D("0"), 2, "0.00"),
    ],
)
def test_format_wan(amount: Decimal, places: int, expected: str) -> None:
    assert format_wan(amount, places) == expected


def test_format_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        format_yuan(D("NaN"))
    with pytest.raises(ValueError):
        format_wan(D("Infinity"))
    with pytest.raises(ValueError):
        format_wan(D(1), -1)


# ---------------------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False)
fen_floats_source = st.decimals(
    min_value=0, max_value=10**11, places=2, allow_nan=False, allow_infinity=False
)
dates = st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31))


@given(amounts)
def test_amount_round_trips_through_text(a: Decimal) -> None:
    assert parse_amount(str(a)) == a
    assert parse_amount(format(a, "f")) == a
    assert parse_amount(format_yuan(a)) == a
    assert parse_amount(f"¥{format_yuan(a)}元") == a
    assert parse_amount(a) == a


@given(amounts)
def test_amount_round_trips_through_wan_and_yi(a: Decimal) -> None:
    assert parse_amount(f"{a / 10000:f}万") == a
    assert parse_amount(f"{a / 10000:f}万元") == a
    assert parse_amount(f"{a / 100000000:f}亿") == a


@given(amounts)
def test_amount_round_trips_full_width(a: Decimal) -> None:
    full_width = format_yuan(a).translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))
    assert parse_amount(full_width) == a


@given(fen_floats_source)
def test_amount_from_com_float(a: Decimal) -> None:
    assert parse_amount(float(a)) == a


@given(fen_floats_source, st.integers(min_value=-3, max_value=3))
def test_amount_from_noisy_float(a: Decimal, ulps: int) -> None:
    # A few ulps of arithmetic noise around a fen value is rounded away.
    noisy = float(a)
    for _ in range(abs(ulps)):
        noisy = math.nextafter(noisy, math.inf if ulps > 0 else -math.inf)
    if noisy >= 0:
        assert parse_amount(noisy) == a


@given(amounts.filter(lambda a: a > 0))
def test_negative_amount_text_rejected(a: Decimal) -> None:
    with pytest.raises(InputError) as info:
        parse_amount(f"-{a}")
    assert info.value.kind == "金额不能为负数"


@given(dates)
def test_date_round_trips(d: datetime.date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == d
    assert parse_date(f"{d.year}.{d.month}.{d.day}") == d
    assert parse_date(d.strftime("%Y%m%d")) == d
    serial = (d - datetime.date(1899, 12, 30)).days
    assert parse_date(serial) == d
    assert parse_date(float(serial) + 0.25) == d


@given(st.integers(min_value=0, max_value=10000))
def test_ratio_round_trips_percentages(basis_points: int) -> None:
    ratio = Decimal(basis_points).scaleb(-4)  # 0.0000 .. 1.0000
    percent = ratio * 100
    assert parse_ratio(f"{percent:f}%") == ratio
    assert parse_ratio(f"{ratio:f}") == ratio
    assert parse_ratio(float(ratio)) == ratio
    assert parse_ratio(ratio) == ratio
