"""Tests for xlmv.identifiers: one module per identifier, each with ``validate`` (normalised value, or an
``IdentifierError`` whose ``short()`` is the Chinese problem) and ``is_valid``."""

from __future__ import annotations

import csv
import doctest
import importlib
import io
from datetime import date
from importlib.resources import files
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from xlmv.errors import InputError
from xlmv.identifiers import IdentifierError, cac, district, email, industry, mobile, uscc
from xlmv.identifiers.industry import Division
from xlmv.policy import load_policy

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MODULES = (uscc, district, industry, cac, email, mobile)
BEIJING = load_policy().registration
assert BEIJING is not None


def make_uscc(prefix17: str) -> str:
    """A valid code: 17 characters plus the check character stdnum computes."""
    assert len(prefix17) == 17
    return prefix17 + stdnum_uscc.calc_check_digit(prefix17)


def problem(module: ModuleType, value: object, **options: object) -> str | None:
    """What ``validate`` objects to (its ``short()``), or ``None`` when it accepts the value."""
    try:
        module.validate(value, **options)
    except IdentifierError as exc:
        return exc.short()
    return None


HAIDIAN = make_uscc("91110108MA01ABCDX")  # 9 工商, 1 企业, 110108 海淀区
CHAOYANG = make_uscc("91110105MA00EFGH1")
YIZHUANG = make_uscc("91110302MA01KLMN2")  # 110302 北京经济技术开发区
CHONGWEN = make_uscc("91110103600012345")  # 110103 崇文区, abolished 2010
PUDONG = make_uscc("91310115MA1HABCDE")  # 310115 上海市浦东新区


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_doctests(module: ModuleType) -> None:
    result = doctest.testmod(importlib.import_module(module.__name__))
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_one_shape(module: ModuleType) -> None:
    """Every identifier module answers with ``is_valid`` and raises an ``InputError`` from ``validate``."""
    assert module.is_valid(None) is False
    with pytest.raises(InputError) as raised:
        module.validate(None)
    assert raised.value.field == module.FIELD
    assert raised.value.message().startswith(f"{module.FIELD}：{raised.value.short()}，")


def test_region_prefix_comes_from_the_policy() -> None:
    """The region (Beijing, 11) is the policy's ``registration``, not a literal in the module."""
    assert (BEIJING.region_prefix, BEIJING.region_label) == ("11", "北京市")
    shanghai = BEIJING.model_copy(update={"region_prefix": "31", "region_label": "上海市"})
    assert uscc.validate(PUDONG, region=shanghai) == PUDONG
    assert problem(uscc, HAIDIAN, region=shanghai) == "登记地不在上海市（行政区划代码 110108）"


# --------------------------------------------------------------------------------------------------------
# USCC
# --------------------------------------------------------------------------------------------------------


def test_public_example_validates_with_stdnum() -> None:
    assert stdnum_uscc.is_valid("91110108551385082Q")
    assert uscc.validate("91110108551385082Q", region=BEIJING) == "91110108551385082Q"
    assert uscc.is_valid("91110108551385082Q", region=BEIJING)


@pytest.mark.parametrize(
    ("code", "area", "name"),
    [
        (HAIDIAN, "110108", "北京市海淀区"),
        (CHAOYANG, "110105", "北京市朝阳区"),
        (YIZHUANG, "110302", "北京经济技术开发区"),
        (CHONGWEN, "110103", "北京市崇文区（已撤销，并入东城区）"),
    ],
)
def test_valid_beijing(code: str, area: str, name: str) -> None:
    assert uscc.validate(code, region=BEIJING) == code
    assert uscc.area_code(code) == area
    assert uscc.in_region(code, BEIJING)
    assert uscc.place(code, BEIJING) == name


def test_valid_beijing_unknown_district_still_fine() -> None:
    code = make_uscc("91110199MA01ABCDX")
    assert uscc.validate(code, region=BEIJING) == code
    assert uscc.place(code, BEIJING) == "北京市（行政区划代码 110199）"


def test_valid_but_shanghai() -> None:
    assert uscc.validate(PUDONG) == PUDONG
    assert uscc.is_valid(PUDONG) and not uscc.is_valid(PUDONG, region=BEIJING)
    assert uscc.area_code(PUDONG) == "310115"
    assert district.name("310115") is None
    assert problem(uscc, PUDONG, region=BEIJING) == "登记地不在北京市（行政区划代码 310115）"


def test_wrong_check_character_names_expected() -> None:
    expected = HAIDIAN[-1]
    wrong = "0" if expected != "0" else "1"
    assert problem(uscc, HAIDIAN[:-1] + wrong) == f"校验位错误：应为 {expected}，实为 {wrong}"
    # The area is still read, so the applicant sees where the code points.
    assert uscc.area_code(HAIDIAN[:-1] + wrong) == "110108"


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (HAIDIAN[:-1], "长度应为 18 位，实为 17 位"),
        (HAIDIAN + "1", "长度应为 18 位，实为 19 位"),
        ("12345", "长度应为 18 位，实为 5 位"),
    ],
)
def test_wrong_length(code: str, text: str) -> None:
    assert not uscc.is_valid(code)
    assert problem(uscc, code) == text


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V"])
def test_illegal_characters(bad: str) -> None:
    assert problem(uscc, HAIDIAN[:10] + bad + HAIDIAN[11:]) == f"含非法字符：{bad!r}"


def test_illegal_characters_and_length_together() -> None:
    assert problem(uscc, "91110108MAO1ABCD") == "长度应为 18 位，实为 16 位；含非法字符：'O'"


def test_first_eight_must_be_digits() -> None:
    assert problem(uscc, "A" + HAIDIAN[1:]) == "前 8 位应为数字：'A1110108'"


def test_lower_case_full_width_and_spaces_normalised() -> None:
    assert uscc.validate(HAIDIAN.lower()) == HAIDIAN
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in HAIDIAN)
    assert uscc.validate(full_width) == HAIDIAN
    assert uscc.validate(f"  {HAIDIAN[:8]} {HAIDIAN[8:]}\u200b ") == HAIDIAN


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000"])
def test_empty(empty: object) -> None:
    assert problem(uscc, empty) == "未填写"
    assert uscc.area_code(uscc.compact(empty)) is None


def test_numbers_from_excel_never_raise() -> None:
    text = problem(uscc, 9.111010855138508e17)
    assert (
        text
        == "校验位错误：应为 1，实为 2（Excel 将其存为数字，可能已丢失位数，请将单元格设为文本后重新填写）"
    )
    assert (
        problem(uscc, 12345.0)
        == "长度应为 18 位，实为 5 位（Excel 将其存为数字，可能已丢失位数，请将单元格设为文本后重新填写）"
    )
    assert uscc.is_valid(float("nan")) is False
    assert problem(uscc, 12345) == "长度应为 18 位，实为 5 位"
    all_digits = make_uscc("91110108123456789")
    if all_digits[-1].isdigit():  # an all-digit code read as an exact int is fine
        assert uscc.validate(int(all_digits)) == all_digits


@pytest.mark.parametrize("value", [object(), [1, 2], b"bytes", True, 1 + 2j])
def test_odd_objects_never_raise(value: object) -> None:
    assert uscc.is_valid(value) is False


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_check_character_property(prefix: str, other: str) -> None:
    digits_prefix = "".join(c if c.isdigit() else "1" for c in prefix[:8]) + prefix[8:]
    code = make_uscc(digits_prefix)
    assert uscc.is_valid(code) is True
    if other != code[-1]:
        assert problem(uscc, code[:-1] + other) == f"校验位错误：应为 {code[-1]}，实为 {other}"


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_check_character_property_any_prefix(prefix: str) -> None:
    """Any 17-character prefix: valid iff stdnum says so (letters in the first 8 fail the format)."""
    code = prefix + stdnum_uscc.calc_check_digit(prefix)
    assert uscc.is_valid(code) is stdnum_uscc.is_valid(code)
    for other in ALPHABET.replace(code[-1], ""):
        assert uscc.is_valid(code[:-1] + other) is False


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans()))
def test_uscc_raises_only_identifier_errors(value: object) -> None:
    text = problem(uscc, value, region=BEIJING)
    assert (text is None) is uscc.is_valid(value, region=BEIJING)
    assert text is None or text


# --------------------------------------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110000", "北京市"),
        ("110101", "北京市东城区"),
        ("110104", "北京市宣武区（已撤销，并入西城区）"),
        ("110228", "北京市密云县（已撤销，改设密云区）"),
        ("110119", "北京市延庆区"),
        ("110302", "北京经济技术开发区"),
        (" 110108 ", "北京市海淀区"),
        ("310115", None),
        ("", None),
    ],
)
def test_beijing_district(code: str, name: str | None) -> None:
    assert district.name(code) == name
    assert district.is_valid(code) is (name is not None)
    if name is not None:
        assert district.validate(code) == code.strip()
    else:
        assert problem(district, code) == f"未知的北京市行政区划代码：{code!r}"


# --------------------------------------------------------------------------------------------------------
# GB/T 4754-2017 divisions
# --------------------------------------------------------------------------------------------------------

SOFTWARE = Division(code="65", name="软件和信息技术服务业", section="I")
INDUSTRY_EXPECTED = "应为 GB/T 4754-2017 代码，如 6513 或 I6513"


@pytest.mark.parametrize(
    "value",
    [65, 6513, 6513.0, "65", "6513", "I65", "I6513", "i 6513", "Ｉ６５１３", " 651 ", "I6513 应用软件开发"],
)
def test_division_accepted_forms(value: object) -> None:
    assert industry.validate(value) == "65"
    assert industry.division(value) == SOFTWARE


def test_division_leading_zero_from_excel() -> None:
    assert industry.division(5) == Division(code="05", name="农、林、牧、渔专业及辅助性活动", section="A")
    assert industry.division("C39") == Division(
        code="39", name="计算机、通信和其他电子设备制造业", section="C"
    )
    assert industry.division("M7511") == Division(code="75", name="科技推广和应用服务业", section="M")


def test_division_section_contradiction() -> None:
    assert problem(industry, "C65") == (
        "国民经济行业分类代码门类与大类不符：'C65'，大类 65（软件和信息技术服务业）"
        "属于门类 I（信息传输、软件和信息技术服务业）"
    )
    assert industry.is_valid("C65") is False
    with pytest.raises(IdentifierError):
        industry.division("C65")


@pytest.mark.parametrize("value", ["99", 99, "X99", "U65", "I", "6", "65131", "软件", "I-", "6513.5"])
def test_division_unknown(value: object) -> None:
    shown = repr(str(value))
    assert problem(industry, value) == f"国民经济行业分类代码无效：{shown}，{INDUSTRY_EXPECTED}"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_division_empty(value: object) -> None:
    assert problem(industry, value) == "未填写国民经济行业分类代码"


# --------------------------------------------------------------------------------------------------------
# CAC filing numbers
# --------------------------------------------------------------------------------------------------------


CAC_EXPECTED = "，应形如 Beijing-WenXinYiYan-20230821"
PINYIN = "备案号地区部分应为拼音（首字母大写，如 Beijing、ZheJiang）："


def _cac_samples() -> list[dict[str, str]]:
    text = files("xlmv.data").joinpath("cac_filing_samples.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("row", _cac_samples(), ids=lambda row: row["filing_number"])
def test_cac_samples_accepted(row: dict[str, str]) -> None:
    number = row["filing_number"]
    assert cac.validate(number) == number
    filed = cac.filing_date(number)
    # The number embeds the application date; the public list date is the same day or later.
    assert filed <= date.fromisoformat(row["filing_date"])


@pytest.mark.parametrize(
    "number",
    [
        "Shanghai-MiniMax-202505230046",
        "Beijing-ChatGLM-20230821",
        "Beijing-MoonShot-20231016",
        "ZheJiang-Qwen2-20240801",
        "Beijing-360ZhiNao-20230821",
        " Beijing - WenXinYiYan - 20230821 ",
        "Ｂｅｉｊｉｎｇ－ＷｅｎＸｉｎＹｉＹａｎ－２０２３０８２１",
        "Beijing—WenXinYiYan—20230821",
    ],
)
def test_cac_other_well_formed(number: str) -> None:
    assert cac.is_valid(number)
    assert cac.validate(number).count("-") == 2


def test_cac_filing_date() -> None:
    assert cac.filing_date("Beijing-DeepseekChat-202404280016") == date(2024, 4, 28)
    assert cac.validate("Beijing—WenXinYiYan—20230821") == "Beijing-WenXinYiYan-20230821"
    for bad in ("Beijing-WenXinYiYan-2023", None):
        with pytest.raises(IdentifierError):
            cac.filing_date(bad)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (None, "未填写中央网信办备案号"),
        ("  ", "未填写中央网信办备案号"),
        ("WenXinYiYan", "中央网信办备案号格式不正确：'WenXinYiYan'，应形如 Beijing-WenXinYiYan-20230821"),
        ("文心一言", "中央网信办备案号格式不正确：'文心一言'，应形如 Beijing-WenXinYiYan-20230821"),
        (
            "Beijing-WenXinYiYan-2023",
            "备案号末段应为 8 位日期（年月日），可带序号：'Beijing-WenXinYiYan-2023'",
        ),
        (
            "Beijing-WenXinYiYan-20231345",
            "备案号中的日期不存在：20231345（'Beijing-WenXinYiYan-20231345'）",
        ),
        (
            "Beijing-WenXinYiYan-20220821",
            "备案号中的日期早于 2023 年：20220821（'Beijing-WenXinYiYan-20220821'）",
        ),
        (
            "北京-文心一言-20230821",
            "备案号地区部分应为拼音（首字母大写，如 Beijing、ZheJiang）：'北京-文心一言-20230821'",
        ),
        (
            "beijing-WenXinYiYan-20230821",
            "备案号地区部分应为拼音（首字母大写，如 Beijing、ZheJiang）：'beijing-WenXinYiYan-20230821'",
        ),
        (
            "Beijing-文心一言-20230821",
            "备案号模型名称部分应为英文字母或数字：'Beijing-文心一言-20230821'",
        ),
        (
            "Beijing-Wen_Xin-20230821",
            "备案号模型名称部分应为英文字母或数字：'Beijing-Wen_Xin-20230821'",
        ),
        (
            "网信算备110108896786101240015号",
            (
                "'网信算备110108896786101240015号' 似为算法备案号，应填写生成式人工智能服务备案号，"
                "应形如 Beijing-WenXinYiYan-20230821"
            ),
        ),
    ],
)
def test_cac_malformed(number: object, text: str) -> None:
    assert problem(cac, number) == text
    assert cac.is_valid(number) is False


@pytest.mark.parametrize(
    ("number", "text"),
    [
        ("Beijing-WenXinYiYan", f"中央网信办备案号格式不正确：'Beijing-WenXinYiYan'{CAC_EXPECTED}"),
        (
            "Beijing-WenXinYiYan-20230821-01",
            f"中央网信办备案号格式不正确：'Beijing-WenXinYiYan-20230821-01'{CAC_EXPECTED}",
        ),
        ("Beijing--20230821", "备案号模型名称部分应为英文字母或数字：'Beijing--20230821'"),
        ("-WenXinYiYan-20230821", f"{PINYIN}'-WenXinYiYan-20230821'"),
        ("BEIJING-WenXinYiYan-20230821", f"{PINYIN}'BEIJING-WenXinYiYan-20230821'"),
        (
            "Beijing-WenXinYiYan-20230821号",
            "备案号末段应为 8 位日期（年月日），可带序号：'Beijing-WenXinYiYan-20230821号'",
        ),
        (
            "Beijing-WenXinYiYan-99991231",
            "备案号中的日期晚于今天：99991231（'Beijing-WenXinYiYan-99991231'）",
        ),
        (20230821, f"中央网信办备案号格式不正确：'20230821'{CAC_EXPECTED}"),
        (20230821.0, f"中央网信办备案号格式不正确：'20230821'{CAC_EXPECTED}"),
    ],
)
def test_cac_other_malformed(number: object, text: str) -> None:
    assert problem(cac, number) == text


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_cac_raises_only_identifier_errors(value: object) -> None:
    text = problem(cac, value)
    assert (text is None) is cac.is_valid(value)


# --------------------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["zhangsan@example.com", "zhang.san+mv@mail.example.com.cn", " li_si@163.com ", "a-b@x-y.org"]
)
def test_email_ok(value: str) -> None:
    assert email.validate(value) == value.strip()
    assert email.is_valid(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "未填写联系邮箱"),
        ("", "未填写联系邮箱"),
        ("zhangsan", "邮箱应含且只含一个“@”：'zhangsan'"),
        ("a@b@c.com", "邮箱应含且只含一个“@”：'a@b@c.com'"),
        ("zhangsan@qq", "邮箱域名应含“.”：'zhangsan@qq'"),
        ("zhang san@qq.com", "邮箱含空格或分隔符，只能填写一个邮箱：'zhang san@qq.com'"),
        ("a@qq.com;b@qq.com", "邮箱含空格或分隔符，只能填写一个邮箱：'a@qq.com;b@qq.com'"),
        ("zhangsan＠qq.com", "邮箱含全角字符 ＠，请改用半角：'zhangsan＠qq.com'"),
        ("张三@qq.com", "邮箱含中文或其他非英文字符：'张三@qq.com'"),
        ("@qq.com", "邮箱“@”前的用户名无效：'@qq.com'"),
        (".a@qq.com", "邮箱“@”前的用户名无效：'.a@qq.com'"),
        ("a@qq..com", "邮箱域名无效：'a@qq..com'"),
        ("a@-qq.com", "邮箱域名无效：'a@-qq.com'"),
        ("a@qq.c", "邮箱域名无效：'a@qq.c'"),
        ("a@qq.com.", "邮箱域名无效：'a@qq.com.'"),
    ],
)
def test_email_problems(value: object, text: str) -> None:
    assert problem(email, value) == text
    assert email.is_valid(value) is False


# --------------------------------------------------------------------------------------------------------
# Mobile
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "8613800138000",
        "008613800138000",
        "（+86）13800138000",
        "１３８００１３８０００",
        13800138000,
        13800138000.0,
        "19912345678",
    ],
)
def test_mobile_ok(value: object) -> None:
    assert mobile.validate(value) == "13800138000" or mobile.validate(value) == "19912345678"
    assert mobile.is_valid(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "未填写联系人手机"),
        ("", "未填写联系人手机"),
        ("1380013800", "手机号应为 11 位，实为 10 位：'1380013800'"),
        (1380013800.0, "手机号应为 11 位，实为 10 位：'1380013800'"),
        ("+86 1380013800", "手机号应为 11 位，实为 10 位：'+86 1380013800'"),
        ("12800138000", "手机号应以 13–19 开头：'12800138000'"),
        ("010-12345678", "似为固定电话，应填写手机号：'010-12345678'"),
        ("138001380OO", "手机号只能含数字：'138001380OO'"),
        ("1.38001E+10", "手机号被 Excel 显示为科学计数法，请将单元格设为文本后重新填写：'1.38001E+10'"),
        (13800138000.5, "手机号只能含数字：'13800138000.5'"),
    ],
)
def test_mobile_problems(value: object, text: str) -> None:
    assert problem(mobile, value) == text
    assert mobile.is_valid(value) is False


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_email_and_mobile_raise_only_identifier_errors(value: object) -> None:
    for module in (email, mobile):
        text = problem(module, value)
        assert (text is None) is module.is_valid(value)
