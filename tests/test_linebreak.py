"""Kinsoku-safe line breaks for printed Chinese paragraphs (``xlmv.linebreak``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xlmv.linebreak import NO_END, NO_START, display_width, wrap
from xlmv.policy import load_policy

ITEM_8 = next(i for i in load_policy("beijing-2024").letter.items if i.startswith("8."))  # type: ignore[union-attr]


def test_item_8_never_starts_a_line_with_the_enumeration_comma() -> None:
    for limit in range(20, 130):
        lines = wrap("　　" + ITEM_8, limit).split("\n")
        assert "".join(lines) == "　　" + ITEM_8
        for line in lines[1:]:
            assert line[0] not in NO_START, (limit, line)
        for line in lines[:-1]:
            assert line[-1] not in NO_END, (limit, line)


def test_the_closing_parenthesis_stays_with_its_words() -> None:
    text = "奖励比例为政策规定的上限（“不超过”），以评审核定为准。"
    for limit in range(8, 60):
        lines = wrap(text, limit).split("\n")
        assert all(line and line[0] not in NO_START for line in lines), (limit, lines)


def test_latin_words_and_numbers_are_not_split() -> None:
    text = "北京市模型券奖励政策（2024年）（beijing-2024@2024.1）；xlmv 0.1.0 导出。"
    for limit in range(24, 80):
        out = wrap(text, limit)
        assert "beijing-2024@2024.1" in out and "2024年" in out and "0.1.0" in out


def test_short_text_is_unchanged() -> None:
    assert wrap("　　1.本单位承诺。", 40) == "　　1.本单位承诺。"


CJK = st.sampled_from([*"模型券奖励申报企业本单位承诺、，。；：（）《》“”", "ab", "2024", " ", "1.5"])


@given(st.lists(CJK, max_size=80), st.integers(min_value=6, max_value=60))
def test_wrapping_keeps_the_text_and_the_width(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    out = wrap(text, limit)
    assert out.replace("\n", "").replace(" ", "") == text.replace(" ", "")
    for line in out.split("\n"):
        # a line is over the limit only when it is one unbreakable piece: its last character cannot move
        if display_width(line) > limit:
            assert wrap(line, limit) == line
