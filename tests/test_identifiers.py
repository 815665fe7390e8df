"""Tests for xlmv.identifiers: USCC, GB/T 4754 divisions, CAC filing numbers, e-mail and mobile."""

from __future__ import annotations

import csv
import doctest
import io
from datetime import date
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from stdnum.cn import uscc

from xlmv import identifiers
from xlmv.identifiers import (
    Division,
    UsccVerdict,
    beijing_district,
    cac_filing_date,
    check_cac_filing,
    check_email,
    check_mobile,
    check_uscc,
    division_of,
    parse_industry_code,
)

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(prefix17: str) -> str:
    """A valid code: 17 characters plus the check character stdnum computes."""
    assert len(prefix17) == 17
    return prefix17 + uscc.calc_check_digit(prefix17)


HAIDIAN = make_uscc("91110108MA01ABCDX")  # 9 工商, 1 企业, 110108 海淀区
CHAOYANG = make_uscc("91110105MA00EFGH1")
YIZHUANG = make_uscc("91110302MA01KLMN2")  # 110302 北京经济技术开发区
CHONGWEN = make_uscc("91110103600012345")  # 110103 崇文区, abolished 2010
PUDONG = make_uscc("91310115MA1HABCDE")  # 310115 上海市浦东新区


def test_doctests() -> None:
    result = doctest.testmod(identifiers)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------------------------------------
# USCC
# --------------------------------------------------------------------------------------------------------


def test_public_example_validates_with_stdnum() -> None:
    assert uscc.is_valid("91110108551385082Q")
    verdict = check_uscc("91110108551385082Q")
    assert verdict.valid and verdict.in_beijing and verdict.problem is None


@pytest.mark.parametrize(
    ("code", "area", "district"),
    [
        (HAIDIAN, "110108", "北京市海淀区"),
        (CHAOYANG, "110105", "北京市朝阳区"),
        (YIZHUANG, "110302", "北京经济技术开发区"),
        (CHONGWEN, "110103", "北京市崇文区（已撤销，并入东城区）"),
    ],
)
def test_valid_beijing(code: str, area: str, district: str) -> None:
    verdict = check_uscc(code)
    assert verdict == UsccVerdict(
        code=code, valid=True, area_code=area, district=district, in_beijing=True, problem=None
    )
    assert verdict.text() == f"有效，{district}"


def test_valid_beijing_unknown_district_still_fine() -> None:
    verdict = check_uscc(make_uscc("91110199MA01ABCDX"))
    assert verdict.valid and verdict.in_beijing and verdict.district is None and verdict.problem is None
    assert verdict.text() == "有效，北京市（行政区划代码 110199）"


def test_valid_but_shanghai() -> None:
    verdict = check_uscc(PUDONG)
    assert verdict.valid is True
    assert verdict.in_beijing is False
    assert verdict.area_code == "310115"
    assert verdict.district is None
    assert verdict.problem == "登记地不在北京（行政区划代码 310115）"
    assert verdict.text() == verdict.problem


def test_wrong_check_character_names_expected() -> None:
    expected = HAIDIAN[-1]
    wrong = "0" if expected != "0" else "1"
    verdict = check_uscc(HAIDIAN[:-1] + wrong)
    assert verdict.valid is False
    assert verdict.problem == f"校验位错误：应为 {expected}，实为 {wrong}"
    # The area is still read, so the applicant sees where the code points.
    assert verdict.in_beijing and verdict.district == "北京市海淀区"


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        (HAIDIAN[:-1], "长度应为 18 位，实为 17 位"),
        (HAIDIAN + "1", "长度应为 18 位，实为 19 位"),
        ("12345", "长度应为 18 位，实为 5 位"),
    ],
)
def test_wrong_length(code: str, problem: str) -> None:
    verdict = check_uscc(code)
    assert not verdict.valid
    assert verdict.problem == problem
    assert verdict.text() == problem


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V"])
def test_illegal_characters(bad: str) -> None:
    verdict = check_uscc(HAIDIAN[:10] + bad + HAIDIAN[11:])
    assert not verdict.valid
    assert verdict.problem == f"含非法字符：{bad!r}"


def test_illegal_characters_and_length_together() -> None:
    verdict = check_uscc("91110108MAO1ABCD")
    assert verdict.problem == "长度应为 18 位，实为 16 位；含非法字符：'O'"


def test_first_eight_must_be_digits() -> None:
    verdict = check_uscc("A" + HAIDIAN[1:])
    assert not verdict.valid
    assert verdict.problem == "前 8 位应为数字：'A1110108'"


def test_lower_case_full_width_and_spaces_normalised() -> None:
    assert check_uscc(HAIDIAN.lower()).code == HAIDIAN
    assert check_uscc(HAIDIAN.lower()).valid
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in HAIDIAN)
    assert check_uscc(full_width).valid
    assert check_uscc(f"  {HAIDIAN[:8]} {HAIDIAN[8:]}\u200b ").code == HAIDIAN


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000"])
def test_empty(empty: object) -> None:
    verdict = check_uscc(empty)
    assert verdict.valid is False
    assert verdict.code == ""
    assert verdict.area_code is None and not verdict.in_beijing
    assert verdict.text() == "未填写"


def test_numbers_from_excel_never_raise() -> None:
    verdict = check_uscc(9.111010855138508e17)
    assert not verdict.valid
    assert verdict.problem is not None and "Excel 将其存为数字" in verdict.problem
    assert check_uscc(12345.0).problem is not None
    assert check_uscc(float("nan")).valid is False
    assert check_uscc(12345).problem == "长度应为 18 位，实为 5 位"
    all_digits = make_uscc("91110108123456789")
    if all_digits[-1].isdigit():  # an all-digit code read as an exact int is fine
        assert check_uscc(int(all_digits)).valid


@pytest.mark.parametrize("value", [object(), [1, 2], b"bytes", True, 1 + 2j])
def test_odd_objects_never_raise(value: object) -> None:
    assert check_uscc(value).valid is False


def test_verdict_is_frozen() -> None:
    verdict = check_uscc(HAIDIAN)
    with pytest.raises(ValidationError):
        verdict.valid = False  # type: ignore[misc]


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_check_character_property(prefix: str, other: str) -> None:
    digits_prefix = "".join(c if c.isdigit() else "1" for c in prefix[:8]) + prefix[8:]
    code = make_uscc(digits_prefix)
    assert check_uscc(code).valid is True
    if other != code[-1]:
        verdict = check_uscc(code[:-1] + other)
        assert verdict.valid is False
        assert verdict.problem == f"校验位错误：应为 {code[-1]}，实为 {other}"


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_check_character_property_any_prefix(prefix: str) -> None:
    """Any 17-character prefix: valid iff stdnum says so (letters in the first 8 fail the format)."""
    code = prefix + uscc.calc_check_digit(prefix)
    assert check_uscc(code).valid is uscc.is_valid(code)
    for other in ALPHABET.replace(code[-1], ""):
        assert check_uscc(code[:-1] + other).valid is False


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.booleans()))
def test_check_uscc_never_raises(value: object) -> None:
    verdict = check_uscc(value)
    assert (verdict.problem is None) is (verdict.valid and verdict.in_beijing)
    assert verdict.text()


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
    assert beijing_district(code) == name


# --------------------------------------------------------------------------------------------------------
# GB/T 4754-2017 divisions
# --------------------------------------------------------------------------------------------------------

SOFTWARE = Division(code="65", name="软件和信息技术服务业", section="I")


@pytest.mark.parametrize(
    "value",
    [65, 6513, 6513.0, "65", "6513", "I65", "I6513", "i 6513", "Ｉ６５１３", " 651 ", "I6513 应用软件开发"],
)
def test_division_accepted_forms(value: object) -> None:
    assert division_of(value) == SOFTWARE
    assert parse_industry_code(value) == (SOFTWARE, None)


def test_division_leading_zero_from_excel() -> None:
    assert division_of(5) == Division(code="05", name="农、林、牧、渔专业及辅助性活动", section="A")
    assert division_of("C39") == Division(code="39", name="计算机、通信和其他电子设备制造业", section="C")
    assert division_of("M7511") is not None and division_of("M7511").section == "M"  # type: ignore[union-attr]


def test_division_section_contradiction() -> None:
    division, problem = parse_industry_code("C65")
    assert division is None
    assert problem == (
        "国民经济行业分类代码门类与大类不符：'C65'，大类 65（软件和信息技术服务业）"
        "属于门类 I（信息传输、软件和信息技术服务业）"
    )
    assert division_of("C65") is None


@pytest.mark.parametrize("value", ["99", 99, "X99", "U65", "I", "6", "65131", "软件", "I-", "6513.5"])
def test_division_unknown(value: object) -> None:
    division, problem = parse_industry_code(value)
    assert division is None
    shown = repr(str(value))
    assert problem == f"国民经济行业分类代码无效：{shown}，应为 GB/T 4754-2017 代码，如 6513 或 I6513"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_division_empty(value: object) -> None:
    assert parse_industry_code(value) == (None, "未填写国民经济行业分类代码")


# --------------------------------------------------------------------------------------------------------
# CAC filing numbers
# --------------------------------------------------------------------------------------------------------


def _cac_samples() -> list[dict[str, str]]:
    text = files("xlmv.data").joinpath("cac_filing_samples.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("row", _cac_samples(), ids=lambda row: row["filing_number"])
def test_cac_samples_accepted(row: dict[str, str]) -> None:
    number = row["filing_number"]
    assert check_cac_filing(number) is None
    filed = cac_filing_date(number)
    assert filed is not None
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
    assert check_cac_filing(number) is None


def test_cac_filing_date() -> None:
    assert cac_filing_date("Beijing-DeepseekChat-202404280016") == date(2024, 4, 28)
    assert cac_filing_date("Beijing-WenXinYiYan-2023") is None
    assert cac_filing_date(None) is None


@pytest.mark.parametrize(
    ("number", "problem"),
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
def test_cac_malformed(number: object, problem: str) -> None:
    assert check_cac_filing(number) == problem
    assert cac_filing_date(number) is None


@pytest.mark.parametrize(
    "number",
    [
        "Beijing-WenXinYiYan",
        "Beijing-WenXinYiYan-20230821-01",
        "Beijing--20230821",
        "-WenXinYiYan-20230821",
        "BEIJING-WenXinYiYan-20230821",
        "Beijing-WenXinYiYan-20230821号",
        "Beijing-WenXinYiYan-99991231",
        20230821,
        20230821.0,
    ],
)
def test_cac_other_malformed(number: object) -> None:
    assert check_cac_filing(number) is not None


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_cac_never_raises(value: object) -> None:
    problem = check_cac_filing(value)
    assert (problem is None) is (cac_filing_date(value) is not None)


# --------------------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["zhangsan@example.com", "zhang.san+mv@mail.example.com.cn", " li_si@163.com ", "a-b@x-y.org"]
)
def test_email_ok(value: str) -> None:
    assert check_email(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
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
def test_email_problems(value: object, problem: str) -> None:
    assert check_email(value) == problem


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
    assert check_mobile(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
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
def test_mobile_problems(value: object, problem: str) -> None:
    assert check_mobile(value) == problem


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats()))
def test_email_and_mobile_never_raise(value: object) -> None:
    for check in (check_email, check_mobile):
        result = check(value)
        assert result is None or isinstance(result, str)
