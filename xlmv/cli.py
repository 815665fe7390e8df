"""The ``xlmv`` command line: argument parsing and dispatch; every command's work lives in its own module."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from xlmv import __version__
from xlmv.errors import InputError
from xlmv.money import ZERO
from xlmv.parsing import parse_amount, parse_ratio
from xlmv.policy import DEFAULT_POLICY, PolicyError, load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors said in Chinese."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        message = re.sub(r"^argument (\S+): ", r"\1：", message)
        self.exit(EXIT_BAD_INPUT, f"xlmv：参数错误：{message}\n")


def _amount(label: str) -> Callable[[str], Decimal]:
    def convert(text: str) -> Decimal:
        try:
            return parse_amount(text, field=label)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _ratio(text: str) -> Decimal:
    try:
        return parse_ratio(text, field="审定比例")
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def os_reason(exc: Exception) -> str:
    """A file-system error in Chinese (the OS's own words are English)."""
    if isinstance(exc, FileNotFoundError):
        return "文件或目录不存在"
    if isinstance(exc, PermissionError):
        return "没有读写权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录，不是文件"
    if isinstance(exc, OSError):
        return f"系统错误（{exc.strerror or exc}）"
    return str(exc)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xlmv", description="北京市模型券（2024）奖励测算与申报表工具")
    parser.add_argument("--version", action="version", version=f"xlmv {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="命令")

    calc = commands.add_parser(
        "calc", help="按金额测算奖励（分档、上限、合计）", description="按金额测算模型券奖励"
    )
    calc.add_argument(
        "--api",
        action="append",
        default=[],
        type=_amount("API服务使用金额"),
        metavar="金额",
        help="一项大模型API服务的使用金额（元），可重复以列出同一项目的多项服务；可写 120万",
    )
    calc.add_argument(
        "--private",
        type=_amount("大模型采购金额"),
        metavar="金额",
        help="私有化部署的大模型采购金额（元，不含算力、数据费用）",
    )
    calc.add_argument(
        "--prior-year-award",
        type=_amount("本年已获奖励"),
        default=ZERO,
        metavar="金额",
        help="企业本自然年已获本政策奖励（元）",
    )
    calc.add_argument(
        "--prior-api-award",
        type=_amount("API项目已获奖励"),
        default=ZERO,
        metavar="金额",
        help="该API项目以往累计已获奖励（元）",
    )
    calc.add_argument(
        "--prior-private-award",
        type=_amount("私有化项目本年已获奖励"),
        default=ZERO,
        metavar="金额",
        help="该私有化项目本年已获奖励（元）",
    )
    calc.add_argument(
        "--ratio", type=_ratio, metavar="比例", help="审定比例（0–1 或百分比），默认按比例上限 100%% 测算"
    )
    calc.add_argument("--policy", default=DEFAULT_POLICY, help=argparse.SUPPRESS)
    calc.add_argument("--json", action="store_true", help="输出 JSON")

    template = commands.add_parser(
        "template", help="生成申报表模板（.xlsx）", description="由政策数据生成自校验的模型券申报表模板"
    )
    template.add_argument(
        "-o", "--output", required=True, type=Path, metavar="文件", help="输出文件，如 申报表.xlsx"
    )

    check = commands.add_parser(
        "check",
        help="检查填好的申报表（.xlsx/.xlsm）：问题清单与重新计算的奖励",
        description="检查填好的模型券申报表：列出问题（单元格、说明、政策条款）并按填写内容重新计算奖励；"
        "退出码 0 无错误，1 有错误，2 有文件无法读取",
    )
    check.add_argument("files", nargs="+", metavar="文件", help="申报表工作簿，可给出多个")
    check.add_argument("--json", action="store_true", help="输出 JSON（每个文件一个对象的列表）")

    excel = commands.add_parser(
        "excel",
        help="Windows Excel 插件设置",
        description="为 Windows Excel 安装 xlwings 插件并设置 xlmv 函数",
    )
    excel.add_argument("action", choices=["setup"], help="setup：安装并设置")
    return parser


def run_calc(args: argparse.Namespace) -> int:
    from xlmv.calc import calculate, to_json, to_table

    if not args.api and args.private is None:
        print(
            "xlmv calc：请至少给出一项 --api 或 --private 金额，例如 xlmv calc --api 300万", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    result = calculate(
        load_policy(args.policy),
        args.api,
        args.private,
        prior_year_award=args.prior_year_award,
        prior_api=args.prior_api_award,
        prior_private=args.prior_private_award,
        approved_ratio=args.ratio,
    )
    print(to_json(result) if args.json else to_table(result))
    return EXIT_OK


def run_template(args: argparse.Namespace) -> int:
    from xlmv_workbook.build import write_template

    try:
        path = write_template(args.output)
    except (ValueError, OSError) as exc:
        print(f"xlmv template：无法写入 {args.output}：{os_reason(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"已生成申报表模板：{path}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from xlmv_workbook.check import run  # workbook I/O stays outside the engine

    return run(args.files, as_json=args.json)


def run_excel(args: argparse.Namespace) -> int:
    from xlmv_udfs.excel_setup import setup

    return setup()


COMMANDS = {"calc": run_calc, "template": run_template, "excel": run_excel, "check": run_check}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (InputError, PolicyError) as exc:
        print(f"xlmv {args.command}：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
