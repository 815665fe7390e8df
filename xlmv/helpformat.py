"""``xlmv --help`` in Chinese: argparse's own labels translated ("usage:" → "用法：", "positional
arguments" → "位置参数", "options" → "选项", the -h and --version help), and help text wrapped and
aligned by display width (a Chinese character takes two terminal columns) instead of by characters.

``ChineseParser`` is the parser class for the command and every subcommand; usage errors are said in
Chinese too (``ARGPARSE_MESSAGES``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

from xlmv.exitcodes import EXIT_BAD_INPUT
from xlmv.linebreak import display_width, wrap

__all__ = ["ARGPARSE_MESSAGES", "LABELS", "ChineseHelpFormatter", "ChineseParser"]

LABELS = {
    "usage": "用法：",
    "positional": "位置参数",
    "options": "选项",
    "help": "显示此帮助信息并退出",
    "version": "显示程序版本并退出",
    "error": "参数错误",
}

ARGPARSE_MESSAGES = (  # argparse's own English messages, as users see them
    (r"^argument (\S+): ", r"\1："),
    (r"the following arguments are required: ", "缺少必需的参数："),
    (r"invalid choice: (\S+) \(choose from (.*)\)", r"无效的选择 \1（可选：\2）"),
    (r"unrecognized arguments: ", "无法识别的参数："),
    (r"expected one argument", "需要一个值"),
    (r"invalid (\w+) value: ", r"值无效："),
)


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with Chinese labels, wrapping and alignment by display width."""

    def add_usage(
        self, usage: str | None, actions: Iterable[argparse.Action], groups: Any, prefix: Any = None
    ) -> None:
        super().add_usage(usage, actions, groups, LABELS["usage"] if prefix is None else prefix)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if (
            action.help is not argparse.SUPPRESS
        ):  # the widest invocation, in columns (argparse counts characters)
            invocations = [self._format_action_invocation(action)]
            invocations += [self._format_action_invocation(a) for a in self._iter_indented_subactions(action)]
            length = max(display_width(i) for i in invocations) + self._current_indent
            self._action_max_length = max(self._action_max_length, length)

    def format_help(self) -> str:
        titles = "|".join(re.escape(t) for t in (LABELS["positional"], LABELS["options"]))
        return re.sub(rf"^(\s*)({titles}):$", r"\1\2：", super().format_help(), flags=re.M)

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = self._whitespace_matcher.sub(" ", text).strip()
        return wrap(text, max(width, 11)).split("\n")

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))

    def _format_action(self, action: argparse.Action) -> str:
        """argparse's layout of one argument (invocation, then its help in a column), measured in columns."""
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        parts: list[str]
        if not action.help:
            parts = [f"{indent}{header}\n"]
        elif display_width(header) <= action_width:
            parts = [f"{indent}{header}{' ' * (action_width - display_width(header))}  "]
        else:
            parts = [f"{indent}{header}\n"]
        if action.help and action.help.strip():
            lines = self._split_lines(self._expand_help(action), help_width)
            first = "" if parts[0].endswith("  ") else " " * help_position
            parts.append(f"{first}{lines[0]}\n")
            parts += [f"{' ' * help_position}{line}\n" for line in lines[1:]]
        elif not parts[0].endswith("\n"):
            parts.append("\n")
        parts += [self._format_action(sub) for sub in self._iter_indented_subactions(action)]
        return self._join_parts(parts)


class ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese help (``ChineseHelpFormatter``, translated group titles and -h) and its usage
    errors said in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = LABELS["positional"]
        self._optionals.title = LABELS["options"]
        if add_help:
            self.add_argument("-h", "--help", action="help", help=LABELS["help"])

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        for pattern, chinese in ARGPARSE_MESSAGES:
            message = re.sub(pattern, chinese, message)
        self.exit(EXIT_BAD_INPUT, f"xlmv：{LABELS['error']}：{message}\n")
