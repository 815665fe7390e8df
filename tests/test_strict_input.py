"""Issue 10.4: strict input. Only full-width forms and the documented separators are folded; sub-fen
amounts are rejected; messages show values as a user sees them; ``--private`` is given at most once."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlmv.cli import main
from xlmv.errors import InputError
from xlmv.parsing import parse_amount, parse_date, parse_ratio


@pytest.mark.parametrize(
    "text", ["²", "1²", "①", "1 2 3", "1 2 0 0 0 0", "1 200 000", "１ ２", "120\u3000000"]
)
def test_amount_rejects_look_alikes_and_spaced_digits(text: str) -> None:
    with pytest.raises(InputError, match="金额无效") as info:
        parse_amount(text)
    assert repr(text) in str(info.value)
    assert "应为不小于 0 的金额" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２０万", "1200000.00"),
        (" 120 万 元 ", "1200000.00"),
        ("¥ 1,200,000", "1200000.00"),
        ("￥１２０万", "1200000.00"),
    ],
)
def test_amount_still_folds_full_width_and_spaces_around_the_number(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["2024-0９-０¹", "2024-09-0①", "2024 09 01", "2024-9-1 1"])
def test_date_rejects_look_alikes(text: str) -> None:
    with pytest.raises(InputError, match="日期无效"):
        parse_date(text)


@pytest.mark.parametrize("text", ["⁸⁰%", "0.⑧", "0 8"])
def test_ratio_rejects_look_alikes(text: str) -> None:
    with pytest.raises(InputError, match="比例无效"):
        parse_ratio(text)


@pytest.mark.parametrize("value", [1e-9, 1e-11, 0.004, 5e-7])
def test_amount_below_one_fen_is_rejected(value: float) -> None:
    with pytest.raises(InputError, match="金额无效") as info:
        parse_amount(value)
    assert "精确到分" in str(info.value)


def test_float_noise_around_a_fen_value_still_snaps() -> None:
    assert parse_amount(0.1 + 0.2) == Decimal("0.30")
    assert parse_amount(1200000.0000009) == Decimal("1200000.00")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (datetime.date(2025, 3, 31), "2025-03-31"),
        (datetime.datetime(2025, 3, 31), "2025-03-31"),
        (datetime.datetime(2025, 3, 31, 14, 5), "2025-03-31 14:05"),
        (datetime.time(0, 0), "00:00"),
        (Decimal("1.234"), "1.234"),
        (True, "TRUE"),
        ((1.0, 2.0), "一个区域"),
        (object(), "无法识别的值"),
    ],
)
def test_messages_show_values_as_a_user_sees_them(value: object, shown: str) -> None:
    with pytest.raises(InputError) as info:
        parse_amount(value)
    text = str(info.value)
    assert shown in text
    assert not re.search(r"datetime\.|Decimal\(|<object", text)


def test_time_in_a_date_cell_is_shown_as_a_time() -> None:
    with pytest.raises(InputError) as info:
        parse_date(datetime.time(0, 0))
    assert "00:00" in str(info.value) and "datetime" not in str(info.value)


def test_repeated_private_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["calc", "--private", "100万", "--private", "200万"])
    assert info.value.code == 2
    assert "--private 只能给出一次" in capsys.readouterr().err


def test_one_private_still_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "--private", "100万"]) == 0
    assert "200,000.00" in capsys.readouterr().out


# ----------------------------------------------------------------------------------- properties

_DIGIT_LOOKALIKES = [c for c in map(chr, range(0x80, 0x3000)) if unicodedata.digit(c, None) is not None]


@given(st.integers(min_value=0, max_value=10**12), st.data())
def test_a_digit_lookalike_anywhere_makes_an_amount_invalid(n: int, data: st.DataObject) -> None:
    text = str(n)
    at = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    odd = data.draw(st.sampled_from(_DIGIT_LOOKALIKES))
    with pytest.raises(InputError):
        parse_amount(text[:at] + odd + text[at + 1 :])


@given(st.integers(min_value=10, max_value=10**12), st.data(), st.sampled_from([" ", "\u3000", "\t", "  "]))
def test_whitespace_between_digits_makes_an_amount_invalid(n: int, data: st.DataObject, space: str) -> None:
    text = str(n)
    at = data.draw(st.integers(min_value=1, max_value=len(text) - 1))
    with pytest.raises(InputError):
        parse_amount(text[:at] + space + text[at:])


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["", " ", "\u3000"]))
def test_full_width_digits_parse_like_ascii(n: int, pad: str) -> None:
    full = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    assert parse_amount(pad + full + pad) == parse_amount(str(n)) == Decimal(n)


def test_formula_residue_around_zero_is_zero() -> None:
    assert parse_amount(0.1 + 0.2 - 0.3) == Decimal("0.00")  # 5.55e-17


@given(st.floats(min_value=1.1e-12, max_value=0.00499, allow_nan=False))
def test_positive_floats_below_half_a_fen_never_become_zero(value: float) -> None:
    with pytest.raises(InputError):
        parse_amount(value)


@given(st.one_of(st.dates(), st.datetimes(), st.times(), st.decimals(allow_nan=False), st.booleans()))
def test_no_message_shows_a_python_repr(value: object) -> None:
    for parse in (parse_amount, parse_ratio, parse_date):
        try:
            parse(value)
        except InputError as exc:
            assert not re.search(r"datetime\.|Decimal\(|True|False", str(exc)), str(exc)
