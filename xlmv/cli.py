"""The ``xlmv`` command line: argument parsing and dispatch; every command's work lives in its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from xlmv import __version__
from xlmv.errors import InputError, os_reason
from xlmv.exitcodes import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK
from xlmv.helpformat import LABELS, ChineseParser
from xlmv.money import ZERO
from xlmv.parsing import parse_amount, parse_ratio
from xlmv.policy import (
    DEFAULT_POLICY,
    Kind,
    Policy,
    PolicyError,
    current_policy,
    policy_from_option,
    use_policy,
)
from xlmv.terminal import safe_terminal


def _amount(label: str) -> Callable[[str], Decimal]:
    def convert(text: str) -> Decimal:
        try:
            return parse_amount(text, field=label)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


class _Once(argparse.Action):
    """An option that may be given at most once: a second value is an error, never a silent overwrite."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} 只能给出一次（一个私有化部署项目只有一个大模型采购金额）")
        setattr(namespace, self.dest, values)


def _jobs(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"进程数应为不小于 1 的整数：{text!r}")
    return int(text)


def _ratio(text: str) -> Decimal:
    try:
        return parse_ratio(text, field="审定比例")
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_POLICY_HELP = f"政策：内置政策的 id（默认 {DEFAULT_POLICY}）或政策数据文件（.toml）；见 xlmv policy show"


def _policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", default=DEFAULT_POLICY, metavar="政策", help=_POLICY_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="xlmv", description="北京市模型券（2024）奖励测算与申报表工具")
    parser.add_argument("--version", action="version", version=f"xlmv {__version__}", help=LABELS["version"])
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=ChineseParser, metavar="命令"
    )

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
        action=_Once,
        type=_amount("大模型采购金额"),
        metavar="金额",
        help="私有化部署的大模型采购金额（元，不含算力、数据费用）；只能给出一次",
    )
    calc.add_argument(
        "--amount",
        action="append",
        default=[],
        metavar="方式=金额",
        help="任一奖励方式的金额，方式为政策中的 id 或名称（见 xlmv policy show），如 --amount 合同=200万；"
        "可重复：分服务计算的方式每次一项服务，按项目计算的方式只能给出一次",
    )
    calc.add_argument(
        "--prior-award",
        action="append",
        default=[],
        metavar="方式=金额",
        help="该方式的项目以往已获奖励（元），如 --prior-award 合同=50万",
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
    _policy_option(calc)
    calc.add_argument("--json", action="store_true", help="输出 JSON")

    template = commands.add_parser(
        "template",
        help="生成申报表模板（.xlsx，或含插件宏的 .xlsm）",
        description="由政策数据生成自校验的模型券申报表模板：.xlsx 不含宏，用内置公式计算；"
        ".xlsm 另含 xlwings 独立模块和 xlmv 函数，在 Windows Excel 中无需加载项即可用插件计算",
    )
    template.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="文件",
        help="输出文件，如 申报表.xlsx 或 申报表.xlsm",
    )
    _policy_option(template)
    template.add_argument("--force", action="store_true", help="输出文件已存在时覆盖（默认不覆盖）")

    check = commands.add_parser(
        "check",
        help="检查填好的申报表（.xlsx/.xlsm）：问题清单与重新计算的奖励",
        description="检查填好的模型券申报表：列出问题（单元格、说明、政策条款）并按填写内容重新计算奖励；"
        "文件夹中的申报表（.xlsx/.xlsm）递归查找，与 batch 相同。"
        "退出码 0 无错误，1 有错误，2 有文件无法读取（或文件夹中没有申报表）",
    )
    check.add_argument(
        "files", nargs="+", metavar="文件", help="申报表工作簿或包含申报表的文件夹，可给出多个"
    )
    check.add_argument("--json", action="store_true", help="输出 JSON（每个文件一个对象的列表）")
    _policy_option(check)

    materials = commands.add_parser(
        "materials",
        help="核验申报材料：读取发票、结算单、合同，逐项给出 齐全/缺失/不符/需人工核对",
        description="读取申报表旁的材料文件夹（默认 <申报表名>-材料/，子文件夹 产品N/3-1-4/ 等，或材料清单的文件列），"
        "核对发票购买方、销售方、开票日期、金额、重复发票号码。退出码 0 全部相符，1 有缺失或不符，2 无法读取",
    )
    materials.add_argument("file", metavar="文件", help="申报表工作簿（.xlsx/.xlsm）")
    materials.add_argument(
        "--materials", metavar="文件夹", help="材料文件夹（默认为申报表旁的 <申报表名>-材料/）"
    )
    materials.add_argument("--json", action="store_true", help="输出 JSON")

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
    _policy_option(export)

    verify = commands.add_parser(
        "verify",
        help="核对导出文件的校验码，指出导出后被改动的单元格",
        description="核对 xlmv export 导出的文件：校验码、每个命名单元格的值、按当前政策重新计算的奖励。"
        "退出码 0 校验通过，1 有不一致，2 文件无法读取",
    )
    verify.add_argument("files", nargs="+", metavar="文件", help="导出的工作簿，可给出多个")
    _policy_option(verify)

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
    _policy_option(batch)
    batch.add_argument("--force", action="store_true", help="输出文件已存在时覆盖（输入文件永远不会被覆盖）")

    recalc = commands.add_parser(
        "recalc",
        help="增删申报、换台账或公式被覆盖后，按引擎重算复核汇总表",
        description="重新计算复核汇总表（xlmv batch 生成）。改审定比例、已获奖励时表内公式即时重算，无需本命令；"
        "增删申报行、改分配规则、换台账后，或有公式被覆盖时运行本命令：按引擎重写全部计算列和公式，并逐个列出恢复的单元格。"
        "能无损保存时写回原文件，否则写入“<原名>-重算.xlsx”（已存在则编号）并说明原因。退出码 0 已重算，2 无法重算",
    )
    recalc.add_argument("file", metavar="文件", help="复核汇总工作簿")
    recalc.add_argument("-o", "--output", metavar="文件", help="另存为此文件（原文件不变）")
    recalc.add_argument(
        "--check", action="store_true", help="只检查（同 xlmv check-review）：列出被改动的公式和修改过的输入"
    )
    recalc.add_argument(
        "--force", action="store_true", help="-o 给出的文件已存在时覆盖（原文件永远不会被覆盖）"
    )
    _policy_option(recalc)

    policy = commands.add_parser(
        "policy",
        help="查看政策数据：分档、起点、上限和条款",
        description="以中文表格列出政策的奖励分档、申报起点、奖励上限和各规则引用的条款",
    )
    policy.add_argument("action", choices=["show"], help="show：显示")
    policy.add_argument(
        "file",
        nargs="?",
        default=DEFAULT_POLICY,
        metavar="政策",
        help=f"政策数据文件（.toml）或内置 id，默认 {DEFAULT_POLICY}",
    )

    check_review = commands.add_parser(
        "check-review",
        help="检查复核汇总表：被覆盖或改动的公式、修改过的输入",
        description="检查复核汇总表（不写入）：列出被覆盖或改动的公式单元格（xlmv recalc 可恢复）"
        "和自上次计算以来修改过的输入。退出码 0 公式完好，1 有公式被改动，2 无法读取",
    )
    check_review.add_argument("file", metavar="文件", help="复核汇总工作簿")

    excel = commands.add_parser(
        "excel",
        help="Windows Excel 插件设置",
        description="为 Windows Excel 生成启用宏的申报表（内含 xlwings 独立模块和 xlmv 函数）并写入 xlwings 设置",
    )
    excel_actions = excel.add_subparsers(
        dest="action", required=True, parser_class=ChineseParser, metavar="操作"
    )
    setup = excel_actions.add_parser(
        "setup",
        help="生成启用宏的申报表并写入 xlwings 设置",
        description="（仅 Windows）在 %USERPROFILE%\\.xlwings\\xlwings.conf 写入本机 Python 和 UDF Modules = xlmv_udfs，"
        "生成启用宏的申报表（内含 xlwings 独立模块和 xlmv 函数，无需加载项、无需打开 VBA 编辑器），"
        "再通过 Excel 打开检查“计算方式：插件”；无法完成的步骤逐条说明。退出码 0 已完成，1 某一步失败，2 不是 Windows 或输出文件名不对",
    )
    setup.add_argument(
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


def _kind_amount(policy: Policy, text: str, option: str) -> tuple[Kind, Decimal]:
    """``方式=金额`` of ``--amount`` / ``--prior-award``: the policy's kind (id or name) and the amount."""
    key, sep, amount = text.partition("=")
    if not sep:
        raise InputError(f"{option} 格式无效", text, "应写成 方式=金额，如 合同=200万")
    try:
        kind = policy.kind(key)
    except KeyError as exc:
        raise InputError(f"{option} 的奖励方式无效", key, str(exc.args[0]).split("，", 1)[-1]) from None
    return kind, parse_amount(amount, field=f"{option} {kind.label}")


def run_calc(args: argparse.Namespace) -> int:
    from xlmv.calc import calculate_kinds, to_json, to_table

    policy = current_policy()
    amounts: dict[str, list[Decimal]] = {}
    for kind_id, option, given in (
        ("api", "--api", args.api),
        ("private", "--private", [] if args.private is None else [args.private]),
    ):
        if given and kind_id not in {k.id for k in policy.kinds}:
            kinds = "、".join(f"{k.label}（{k.id}）" for k in policy.kinds)
            print(
                f"xlmv calc：政策 {policy.label} 没有 {option} 对应的奖励方式（id {kind_id}）；该政策的奖励方式：{kinds}；"
                "请用 --amount 方式=金额",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        amounts.setdefault(kind_id, []).extend(given)
    for text in args.amount:
        kind, amount = _kind_amount(policy, text, "--amount")
        amounts.setdefault(kind.id, []).append(amount)
    for kind in policy.kinds:
        if kind.basis == "per_project" and len(amounts.get(kind.id, [])) > 1:
            print(
                f"xlmv calc：{kind.label}按项目计算，一个项目只有一个{kind.base_label}，只能给出一次金额",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    if not any(amounts.values()):
        print(
            "xlmv calc：请至少给出一项金额，例如 xlmv calc --api 300万，或 --amount 方式=金额",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    priors = {"api": args.prior_api_award, "private": args.prior_private_award}
    for text in args.prior_award:
        kind, amount = _kind_amount(policy, text, "--prior-award")
        priors[kind.id] = amount
    result = calculate_kinds(
        policy,
        amounts,
        priors=priors,
        prior_year_award=args.prior_year_award,
        approved_ratio=args.ratio,
    )
    print(to_json(result) if args.json else to_table(result))
    return EXIT_OK


def run_template(args: argparse.Namespace) -> int:
    from xlmv_workbook.template.build import write_template
    from xlmv_workbook.xlsx.outputs import OutputError, check_output

    try:
        check_output(args.output, force=args.force)
        path = write_template(args.output, current_policy())
    except OutputError as exc:
        print(f"xlmv template：未生成：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PolicyError:
        raise
    except (ValueError, OSError) as exc:
        print(f"xlmv template：无法写入 {args.output}：{os_reason(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"已生成申报表模板：{path}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from xlmv_workbook.read.check import run  # workbook I/O stays outside the engine

    return run(args.files, as_json=args.json)


def run_policy(args: argparse.Namespace) -> int:
    from xlmv.policyshow import policy_text

    policy = policy_from_option(args.file)
    source = args.file if args.file != policy.id else f"内置 xlmv/policies/{policy.id}.toml"
    print(policy_text(policy, source))
    return EXIT_OK


def run_materials(args: argparse.Namespace) -> int:
    from xlmv_workbook.materials.command import run

    return run(args.file, args.materials, as_json=args.json)


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
        force=args.force,
    )


def run_recalc(args: argparse.Namespace) -> int:
    from xlmv_workbook.review.recalcfile import run, run_check

    if args.check:
        return run_check(args.file)

    return run(args.file, args.output, force=args.force)


def run_check_review(args: argparse.Namespace) -> int:
    from xlmv_workbook.review.recalcfile import run_check

    return run_check(args.file)


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
    "materials": run_materials,
    "export": run_export,
    "verify": run_verify,
    "batch": run_batch,
    "recalc": run_recalc,
    "policy": run_policy,
    "check-review": run_check_review,
}


def main(argv: Sequence[str] | None = None) -> int:
    with safe_terminal():  # nothing a workbook holds may drive the terminal
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    previous = current_policy()
    try:
        # The run's policy (--policy), or the default: every layer finds it through xlmv.policy.
        use_policy(policy_from_option(getattr(args, "policy", None) or DEFAULT_POLICY))
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
    finally:
        use_policy(previous)  # main() called in-process (tests, the demo) leaves no policy behind


if __name__ == "__main__":
    sys.exit(main())
