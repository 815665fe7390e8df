"""The ``xlmv`` command line: argument parsing and dispatch; every command's work lives in its own module."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from xlmv import __version__
from xlmv.errors import InputError, os_reason
from xlmv.money import ZERO
from xlmv.parsing import parse_amount, parse_ratio
from xlmv.policy import DEFAULT_POLICY, PolicyError, load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors said in Chinese."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        for pattern, chinese in _ARGPARSE_MESSAGES:
            message = re.sub(pattern, chinese, message)
        self.exit(EXIT_BAD_INPUT, f"xlmv：参数错误：{message}\n")


_ARGPARSE_MESSAGES = (  # argparse's own English messages, as users see them
    (r"^argument (\S+): ", r"\1："),
    (r"the following arguments are required: ", "缺少必需的参数："),
    (r"invalid choice: (\S+) \(choose from (.*)\)", r"无效的选择 \1（可选：\2）"),
    (r"unrecognized arguments: ", "无法识别的参数："),
    (r"expected one argument", "需要一个值"),
    (r"invalid (\w+) value: ", r"值无效："),
)


def _amount(label: str) -> Callable[[str], Decimal]:
    def convert(text: str) -> Decimal:
        try:
            return parse_amount(text, field=label)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _jobs(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"进程数应为不小于 1 的整数：{text!r}")
    return int(text)


def _ratio(text: str) -> Decimal:
    try:
        return parse_ratio(text, field="审定比例")
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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

    export = commands.add_parser(
        "export",
        help="导出只含数值的正式申报表（附件3-3）和承诺书（附件3-4），带校验码；可选 PDF",
        description="由填好的申报表导出提交用工作簿：附件3-3 申报表、附件3-4 承诺书、材料清单、奖励测算，"
        "全部为数值（不含公式），带校验码；文件名取自企业名称和第一个产品名称，不覆盖已有文件。"
        "退出码 0 已导出，1 申报表有错误未导出，2 文件无法读取或无法写入",
    )
    export.add_argument("file", metavar="文件", help="填好的申报表工作簿（.xlsx/.xlsm）")
    export.add_argument("-o", "--output", required=True, metavar="文件夹", help="输出文件夹（不存在则创建）")
    export.add_argument(
        "--pdf", action="store_true", help="同时生成申报表和承诺书的 PDF（需 LibreOffice 或 Windows Excel）"
    )
    export.add_argument(
        "--force", action="store_true", help="申报表有错误时仍然导出（错误列在“奖励测算”表末）"
    )

    verify = commands.add_parser(
        "verify",
        help="核对导出文件的校验码，指出导出后被改动的单元格",
        description="核对 xlmv export 导出的文件：校验码、每个命名单元格的值、按当前政策重新计算的奖励。"
        "退出码 0 校验通过，1 有不一致，2 文件无法读取",
    )
    verify.add_argument("files", nargs="+", metavar="文件", help="导出的工作簿，可给出多个")

    batch = commands.add_parser(
        "batch",
        help="批量复核：多份申报表跨申报合并测算（企业年度上限、项目上限、已获奖励），输出复核汇总表",
        description="读取多份填好的申报表（文件或文件夹），按同一企业同一自然年合并适用企业年度上限、"
        "按项目适用项目上限（已获奖励取自台账，台账没有的取申报表填写的数），输出复核汇总工作簿。"
        "退出码 0 全部通过，1 有申报表有错误或无法读取，2 命令无法执行（无输入、台账有误、输出无法写入）",
    )
    batch.add_argument("inputs", nargs="+", metavar="输入", help="申报表文件或文件夹（递归查找 .xlsx/.xlsm）")
    batch.add_argument(
        "-o", "--output", required=True, metavar="文件", help="输出的复核汇总工作簿，如 复核汇总.xlsx"
    )
    batch.add_argument(
        "--ledger",
        metavar="文件",
        help="已获奖励台账（.xlsx/.csv，列：统一社会信用代码、项目名称、年度、已获奖励（元））",
    )
    batch.add_argument(
        "--allocation",
        choices=["in_order", "pro_rata"],
        default="in_order",
        help="企业年度上限的分配规则：in_order 按申报日期先后（默认），pro_rata 按比例",
    )
    batch.add_argument(
        "--jobs", type=_jobs, metavar="N", help="并行读取的进程数，默认为 CPU 核数；1 为不并行"
    )
    batch.add_argument(
        "--progress", action="store_true", default=None, help="在标准错误输出显示进度（终端中默认显示）"
    )

    recalc = commands.add_parser(
        "recalc",
        help="按复核汇总表中修改后的审定比例、已获奖励重新计算",
        description="重新计算复核汇总表（xlmv batch 生成）的计算列：项目上限后、企业年度上限后和按企业汇总。"
        "能无损保存时写回原文件，否则写入“<原名>-重算.xlsx”并说明原因。退出码 0 已重算，2 无法重算",
    )
    recalc.add_argument("file", metavar="文件", help="复核汇总工作簿")
    recalc.add_argument("-o", "--output", metavar="文件", help="另存为此文件（原文件不变）")

    excel = commands.add_parser(
        "excel",
        help="Windows Excel 插件设置",
        description="为 Windows Excel 生成启用宏的申报表（内含 xlwings 独立模块和 xlmv 函数）并写入 xlwings 设置",
    )
    excel.add_argument("action", choices=["setup"], help="setup：安装并设置")
    excel.add_argument(
        "-o", "--output", metavar="文件", default="申报表.xlsm", help="生成的启用宏申报表（.xlsm）"
    )

    demo = commands.add_parser(
        "demo",
        help="示例：生成模板、填入示例申报、校验、批量复核、导出",
        description="在内置的虚构示例上完整演示：生成模板、填表、校验、批量复核、导出（有 LibreOffice 时含 PDF）",
    )
    demo.add_argument(
        "--out", type=Path, default=Path("xlmv-示例"), metavar="文件夹", help="输出文件夹（默认 xlmv-示例）"
    )
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
    from xlmv_workbook.template.build import write_template

    try:
        path = write_template(args.output)
    except (ValueError, OSError) as exc:
        print(f"xlmv template：无法写入 {args.output}：{os_reason(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"已生成申报表模板：{path}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from xlmv_workbook.read.check import run  # workbook I/O stays outside the engine

    return run(args.files, as_json=args.json)


def run_excel(args: argparse.Namespace) -> int:
    from xlmv_udfs.excel_setup import setup

    return setup(output=Path(args.output))


def run_batch(args: argparse.Namespace) -> int:
    from xlmv_workbook.review.batch import run

    return run(
        args.inputs,
        args.output,
        ledger_path=args.ledger,
        allocation=args.allocation,
        jobs=args.jobs,
        progress=args.progress,
    )


def run_recalc(args: argparse.Namespace) -> int:
    from xlmv_workbook.review.recalc import run

    return run(args.file, args.output)


def run_export(args: argparse.Namespace) -> int:
    from xlmv_workbook.export.submission import run

    return run(args.file, args.output, force=args.force, pdf=args.pdf)


def run_verify(args: argparse.Namespace) -> int:
    from xlmv_workbook.export.verify import run

    return run(args.files)


def run_demo(args: argparse.Namespace) -> int:
    from xlmv_workbook.demo import DemoError, run_demo

    try:
        run_demo(args.out)
    except DemoError as exc:
        print(f"xlmv demo：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"xlmv demo：无法写入 {args.out}：{os_reason(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


COMMANDS = {
    "demo": run_demo,
    "calc": run_calc,
    "template": run_template,
    "excel": run_excel,
    "check": run_check,
    "export": run_export,
    "verify": run_verify,
    "batch": run_batch,
    "recalc": run_recalc,
}


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
    except Exception as exc:  # a bug: say so in Chinese; XLMV_DEBUG=1 shows the traceback
        if os.environ.get("XLMV_DEBUG"):
            raise
        print(
            f"xlmv {args.command}：内部错误（{type(exc).__name__}：{exc}）。请将命令和输入文件反馈给维护者；"
            "设置环境变量 XLMV_DEBUG=1 可显示详细信息",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
