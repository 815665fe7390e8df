"""The 奖励测算 sheet: per product the tier table, project cap, tier and spend to the next tier, the add-in's
MV_BREAKDOWN array, a chart of reward against spend with the tier bounds and this applicant's points, and
the enterprise-year total (附件3 二.1–二.4). Every computed cell is UDF-first with a native fallback."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.chart import Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlmv import formula as native
from xlmv.policy import Kind, Policy
from xlmv.reward import band_lowers
from xlmv_workbook.template import cellformulas as F
from xlmv_workbook.template import layout as L
from xlmv_workbook.xlsx import styles as S

DATA_COLUMN = 11  # K: first hidden column of chart data
SHARE_COLUMN = DATA_COLUMN + 10  # U: first hidden column of the tier rows' fen shares (``_tier_shares``)
BREAKDOWN_NOTE = "加载插件后显示逐项明细（MV_BREAKDOWN）"
NEXT_TIER_NOTE = "计在金额最大的服务上；0 为已达上限"
PRINT_LAST_COLUMN = "D"  # the printed page: the tier tables, the charts and the enterprise total
CHART_WIDTH_CM = 14.0  # columns A–D are about 14.6 cm wide
EMPTY_CHART_NOTE = "填写申报金额后显示奖励曲线和本申报的位置"


def _cells(index: int) -> dict[str, object]:
    fields = L.by_path()
    at = f"products[{index}]."

    def ref(path: str) -> str:
        return f"{L.FORM}!{fields[at + path].cell}"

    claimed = [ref(f"services[{s}].claimed_amount") for s in range(L.SERVICES)]
    first, last = (
        fields[f"{at}services[0].claimed_amount"].cell,
        fields[f"{at}services[{L.SERVICES - 1}].claimed_amount"].cell,
    )
    return {
        "kind": ref("kind"),
        "name": ref("name"),
        "prior": ref("prior_award"),
        "claimed": claimed,
        "claimed_range": f"{L.FORM}!{first}:{last}",
        "procurement": ref("procurement.procurement_amount"),
    }


def _items(kind: Kind, c: dict[str, object]) -> tuple[list[str], str]:
    if kind.basis == "per_service":
        return list(c["claimed"]), str(c["claimed_range"])  # type: ignore[arg-type]
    return [str(c["procurement"])], str(c["procurement"])


def _guarded(kind: Kind, c: dict[str, object], expr: str) -> str:
    """``expr``, or the text marker when one of the kind's amounts or the prior award is not a number."""
    return F.unless_numbers([_items(kind, c)[1], str(c["prior"])], expr)


def build_calc(ws: Worksheet, policy: Policy) -> dict[str, str]:
    """Build the sheet; returns the defined names of its computed cells (name → cell)."""
    names: dict[str, str] = {}
    for column, width in {
        "A": 28,
        "B": 18,
        "C": 12,
        "D": 18,
        "E": 3,
        "F": 24,
        "G": 16,
        "H": 10,
        "I": 16,
    }.items():
        ws.column_dimensions[column].width = width
    S.title(ws, "A1", "奖励测算", f"A1:{PRINT_LAST_COLUMN}1")
    ws.row_dimensions[1].height = 28
    S.label(ws, "A2", "计算方式")
    S.computed(ws, "B2", "=" + F.engine(policy), span="B2:D2")
    names[L.ENGINE_NAME] = "B2"
    note = f"依据{policy.title}附件3 二：超额累进、逐档计算；金额单位：元。加载 xlwings 插件时由插件计算，否则由内置公式计算，结果相同。"
    S.text(ws, "A3", note, span=f"A3:{PRINT_LAST_COLUMN}3")
    S.fit_height(ws, "A3", note, f"A3:{PRINT_LAST_COLUMN}3")
    for index in range(L.PRODUCTS):
        names.update(_product(ws, policy, index))
    names.update(_enterprise(ws, policy))
    for column in range(DATA_COLUMN, DATA_COLUMN + 10):
        ws.column_dimensions[get_column_letter(column)].hidden = True
    ws.freeze_panes = "A4"
    _print_setup(ws)
    return names


def _print_setup(ws: Worksheet) -> None:
    """Portrait A4, one page wide, of the tables and charts (columns A–D; the add-in's detail in F–I stays on
    screen): one product per page and the enterprise total on the last product's page, by manual breaks
    before products 2…n (kept under "fit to 1 page wide", whose height is left free)."""
    S.page_setup(
        ws, f"A1:{PRINT_LAST_COLUMN}{L.ENTERPRISE_ROW + L.PRODUCTS + 6}", landscape=False, title_rows="1:2"
    )
    for index in range(1, L.PRODUCTS):
        ws.row_breaks.append(Break(id=L.calc_top_row(index) - 1))


def _product(ws: Worksheet, policy: Policy, index: int) -> dict[str, str]:
    c = _cells(index)
    kind_cell, prior = str(c["kind"]), str(c["prior"])
    out = L.product_output_names(index)
    top = L.calc_top_row(index)
    S.header(
        ws,
        f"A{top}",
        f'="产品{index + 1}："&IF({c["name"]}="","（未填写）",{c["name"]})&"　申报方式："&IF({kind_cell}="","（未选择）",{kind_cell})',
        f"A{top}:D{top}",
    )
    for column, title in zip("ABCD", ("档位", "奖励基数（元）", "比例上限", "奖励金额（元）"), strict=True):
        S.label(ws, f"{column}{top + 1}", title)
    tiers = max(len(k.bands) for k in policy.kinds)
    shares = _tier_shares(ws, policy, c, top, tiers)
    for t in range(tiers):
        row = top + 2 + t
        labels = {k.id: F.quote(k.bands[t].label) for k in policy.kinds if t < len(k.bands)}
        rates = {k.id: F.num(k.bands[t].rate) for k in policy.kinds if t < len(k.bands)}
        bases = {k.id: _guarded(k, c, F.tier_base(k, t, _items(k, c)[0])) for k in policy.kinds}
        S.computed(ws, f"A{row}", "=" + F.by_kind(policy, kind_cell, labels))
        S.computed(ws, f"B{row}", "=" + F.by_kind(policy, kind_cell, bases, "0"), S.MONEY_FORMAT)
        S.computed(ws, f"C{row}", "=" + F.by_kind(policy, kind_cell, rates, '""'), S.RATE_FORMAT)
        S.computed(ws, f"D{row}", f"=IF(ISTEXT(B{row}),B{row},ROUND(SUM({shares[t]}),2))", S.MONEY_FORMAT)
    r = top + 2 + tiers
    maximum = f"D{r}"  # the 测算奖励 row, first below the tier rows
    rows = [
        (
            "测算奖励（上限前，元）",
            "max_reward",
            {k.id: _guarded(k, c, F.max_reward(k, _items(k, c)[0])) for k in policy.kinds},
            S.MONEY_FORMAT,
        ),
        (
            "项目奖励上限（元）",
            None,
            {k.id: F.num(k.cap.amount) for k in policy.kinds if k.cap},
            S.MONEY_FORMAT,
        ),
        ("本项目已获奖励（元）", None, None, S.MONEY_FORMAT),
        (
            "项目奖励（上限后，元）",
            "reward",
            {k.id: _guarded(k, c, F.project_reward(k, *_items(k, c), prior)) for k in policy.kinds},
            S.MONEY_FORMAT,
        ),
        (
            "当前档位（0 为未达申报起点）",
            "tier",
            {k.id: _guarded(k, c, F.tier(k, _items(k, c)[1], _items(k, c)[0])) for k in policy.kinds},
            "0",
        ),
        (
            "距下一档（或项目上限）还需投入（元）",
            "next_tier",
            {
                k.id: _guarded(
                    k, c, F.next_tier(k, _items(k, c)[1], _items(k, c)[0], kind_cell, prior, maximum)
                )
                for k in policy.kinds
            },
            S.MONEY_FORMAT,
        ),
    ]
    names = {}
    for label, key, exprs, fmt in rows:
        S.label(ws, f"A{r}", label)
        shown_prior = F.unless_numbers([prior], prior)
        formula = f"={shown_prior}" if exprs is None else "=" + F.by_kind(policy, kind_cell, exprs, "0")
        S.computed(ws, f"D{r}", formula, fmt)
        clause = {k.id: F.quote(k.cap.clause) for k in policy.kinds if k.cap}
        if label.startswith("项目奖励上限"):
            S.computed(ws, f"B{r}", "=" + F.by_kind(policy, kind_cell, clause), span=f"B{r}:C{r}")
        if key == "next_tier":  # which service, and what 0 means (README 计算口径)
            S.text(ws, f"B{r}", NEXT_TIER_NOTE, span=f"B{r}:C{r}")
        if key:
            names[out[key]] = f"D{r}"
        r += 1
    _breakdown(ws, policy, c, top)
    _chart(ws, policy, c, index, top, r + 1)
    return names


def _tier_shares(ws: Worksheet, policy: Policy, c: dict[str, object], top: int, tiers: int) -> list[str]:
    """Hidden cells that give each tier row its whole-fen share (README 计算口径, RULE 1): per item (one
    sheet row each, from ``top``) and band, the exact reward E, its fen floor F and remainder R; per item
    K, the fens its rounded reward has beyond the floors; a band's share is F plus one fen when its
    remainder ranks among the K largest (ties to the lower band). Returns, per band, the range of shares
    the tier row sums."""
    slots = max(len(_items(k, c)[0]) for k in policy.kinds)
    first = SHARE_COLUMN
    width = 4 * tiers + 1  # E, F, R, S per band, then K

    def col(t: int, part: int) -> str:
        return get_column_letter(first + 4 * t + part)

    kind_cell = str(c["kind"])
    for s in range(slots):
        row = top + s
        exact = {}
        for t in range(tiers):
            exprs = {}
            for kind in policy.kinds:
                items = _items(kind, c)[0]
                if t < len(kind.bands) and s < len(items):
                    band, lower = kind.bands[t], band_lowers(kind)[t]
                    x = items[s] if kind.basis == "per_service" else _summed(items)
                    exprs[kind.id] = f"({F.band_base(kind, band, lower, x)})*{F.num(band.rate)}"
            exact[t] = f"{col(t, 0)}{row}"
            ws[exact[t]] = "=" + F.by_kind(policy, kind_cell, exprs, "0")
            ws[f"{col(t, 1)}{row}"] = f"=ROUNDDOWN(ROUND({col(t, 0)}{row},7),2)"
            ws[f"{col(t, 2)}{row}"] = f"=ROUND(ROUND({col(t, 0)}{row},7)-{col(t, 1)}{row},7)"
        k = f"{get_column_letter(first + width - 1)}{row}"
        exact_sum = "+".join(f"{col(t, 0)}{row}" for t in range(tiers))
        floors = "+".join(f"{col(t, 1)}{row}" for t in range(tiers))
        ws[k] = f"=ROUND((ROUND(ROUND({exact_sum},7),2)-({floors}))*100,0)"
        for t in range(tiers):
            r = f"{col(t, 2)}{row}"
            ahead = [f"IF({col(j, 2)}{row}>{r},1,0)" for j in range(tiers) if j != t]
            ahead += [f"IF({col(j, 2)}{row}={r},1,0)" for j in range(t)]
            rank = "+".join(ahead) or "0"
            ws[f"{col(t, 3)}{row}"] = f"={col(t, 1)}{row}+IF({rank}<{k},0.01,0)"
    for column in range(first, first + width):
        ws.column_dimensions[get_column_letter(column)].hidden = True
    return [f"{col(t, 3)}{top}:{col(t, 3)}{top + slots - 1}" for t in range(tiers)]


def _summed(items: list[str]) -> str:
    return f"({'+'.join(items)})" if len(items) > 1 else items[0]


def _breakdown(ws: Worksheet, policy: Policy, c: dict[str, object], top: int) -> None:
    """MV_BREAKDOWN as a dynamic array (flagged as one when the file is saved, see build.py)."""
    kind_cell = str(c["kind"])
    calls = {
        k.id: _guarded(k, c, f"MV_BREAKDOWN({kind_cell},{_items(k, c)[1]},{c['prior']})")
        for k in policy.kinds
    }
    on = f"{L.ENGINE_NAME}={F.quote(F.ENGINE_ON)}"
    chosen = f"IFERROR(IF({on},{F.by_kind(policy, kind_cell, calls)},NA()),{F.quote(BREAKDOWN_NOTE)})"
    formula = f'=IF({kind_cell}="","",{chosen})'
    ws[f"F{top + 1}"] = ArrayFormula(f"F{top + 1}", formula)
    ws[f"F{top + 1}"].font = S.font(size=9)
    S.header(ws, f"F{top}", "插件明细（屏幕查看，不打印）", f"F{top}:I{top}")


def _chart(
    ws: Worksheet, policy: Policy, c: dict[str, object], index: int, top: int, anchor_row: int
) -> None:
    """Reward against spend for the product's kind (the first kind until one is chosen), the tier bounds,
    and the applicant's items. The hidden data columns hold yuan for the formulas and 万元 for the axes."""
    kind_cell = str(c["kind"])
    col = DATA_COLUMN
    x, y, x_wan, y_wan, px, py, px_wan, py_wan, bx_wan, by_wan = (
        get_column_letter(col + i) for i in range(10)
    )
    first = policy.kinds[0].id

    amounts = {k.id: _items(k, c)[0] for k in policy.kinds}
    entered = sorted({cell for cells in amounts.values() for cell in cells})
    nothing = f"COUNT({','.join(entered)})=0"

    def pick(exprs: dict[str, str]) -> str:
        """By the product's kind; #N/A (not drawn) until an amount is entered, so the chart stays empty."""
        return f"=IF({nothing},NA(),{F.by_kind(policy, kind_cell, exprs, exprs[first])})"

    curves = {k.id: _curve_points(k) for k in policy.kinds}
    points = max(len(p) for p in curves.values())
    rewards = {k.id: native.item_reward_formula for k in policy.kinds}
    for i in range(points):
        row = top + i
        xs = {}
        for kind in policy.kinds:
            pts = curves[kind.id]
            p = pts[min(i, len(pts) - 1)]
            right_edge = (
                f"MAX({F.num(_last_bound(kind) * Decimal('1.25'))},MAX(0,{','.join(amounts[kind.id])})*1.1)"
            )
            xs[kind.id] = F.num(p) if p is not None else right_edge
        ws[f"{x}{row}"] = pick(xs)
        ws[f"{y}{row}"] = pick({k.id: rewards[k.id](k, f"{x}{row}") for k in policy.kinds})
        ws[f"{x_wan}{row}"] = f"={x}{row}/10000"
        ws[f"{y_wan}{row}"] = f"={y}{row}/10000"
    slots = max(len(a) for a in amounts.values())
    for i in range(slots):
        row = top + i
        ws[f"{px}{row}"] = pick(
            {k: (f"IF(ISNUMBER({a[i]}),{a[i]},NA())" if i < len(a) else "NA()") for k, a in amounts.items()}
        )
        ws[f"{py}{row}"] = pick({k.id: rewards[k.id](k, f"{px}{row}") for k in policy.kinds})
        ws[f"{px_wan}{row}"] = f"={px}{row}/10000"
        ws[f"{py_wan}{row}"] = f"={py}{row}/10000"
    bounds = {
        k.id: ([k.floor.amount] if k.floor else []) + [b.upper for b in k.bands if b.upper]
        for k in policy.kinds
    }
    top_y = f"MAX({y_wan}{top}:{y_wan}{top + points - 1})*1.05"
    bound_rows = []
    for j in range(max(len(b) for b in bounds.values())):
        row = top + 2 * j
        xs = {k: F.num(b[j] / 10000) if j < len(b) else "NA()" for k, b in bounds.items()}
        for offset, height in ((0, "0"), (1, top_y)):
            ws[f"{bx_wan}{row + offset}"] = pick(xs)
            ws[f"{by_wan}{row + offset}"] = f"=IF({nothing},NA(),{height})"
        bound_rows.append(row)

    def series(x_col: str, y_col: str, first_row: int, rows: int, title: str) -> Series:
        number = {
            letter: col + n
            for n, letter in enumerate((x, y, x_wan, y_wan, px, py, px_wan, py_wan, bx_wan, by_wan))
        }
        return Series(
            Reference(ws, min_col=number[y_col], min_row=first_row, max_row=first_row + rows - 1),
            Reference(ws, min_col=number[x_col], min_row=first_row, max_row=first_row + rows - 1),
            title=title,
        )

    chart = ScatterChart()
    chart.title = f"产品{index + 1}：奖励与投入金额"
    chart.style = 13
    chart.scatterStyle = "lineMarker"
    chart.height, chart.width = 8.5, CHART_WIDTH_CM
    chart.x_axis.title = "投入金额（万元）"
    chart.y_axis.title = "奖励上限（万元）"
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.visible_cells_only = False
    curve = series(x_wan, y_wan, top, points, "奖励（按档位）")
    curve.marker.symbol = "circle"
    curve.marker.size = 4
    curve.smooth = False
    chart.series.append(curve)
    mine = series(px_wan, py_wan, top, slots, "本申报")
    mine.marker.symbol = "diamond"
    mine.marker.size = 10
    mine.marker.graphicalProperties = GraphicalProperties(solidFill="C00000")
    mine.marker.graphicalProperties.line.solidFill = "C00000"
    mine.graphicalProperties.line.noFill = True
    mine.smooth = False
    chart.series.append(mine)
    for j, row in enumerate(bound_rows):
        label = "申报起点" if j == 0 and any(k.floor for k in policy.kinds) else f"档位界限{j}"
        line = series(bx_wan, by_wan, row, 2, label)
        line.marker.symbol = "none"
        line.smooth = False
        line.graphicalProperties.line.solidFill = "A6A6A6"
        line.graphicalProperties.line.dashStyle = "dash"
        chart.series.append(line)
    chart.x_axis.number_format = chart.y_axis.number_format = "#,##0"
    ws.add_chart(chart, f"A{anchor_row}")
    note = ws[f"A{anchor_row - 1}"]  # above the chart: why it is empty
    note.value = f'=IF({nothing},{F.quote(EMPTY_CHART_NOTE)},"")'
    note.font = S.font(size=9, color="FF7F7F7F")


def _curve_points(kind: Kind) -> list[Decimal | None]:
    """Break points of the reward curve: 0, just under and at the floor, each band bound, then the right
    edge (None: computed in the sheet from the applicant's amounts)."""
    pts: list[Decimal | None] = [Decimal(0)]
    if kind.floor is not None and kind.floor.amount > 0:
        pts += [kind.floor.amount - Decimal("0.01"), kind.floor.amount]
    pts += [b.upper for b in kind.bands if b.upper is not None]
    return [*pts, None]


def _last_bound(kind: Kind) -> Decimal:
    uppers = [b.upper for b in kind.bands if b.upper is not None]
    floor = kind.floor.amount if kind.floor else Decimal(0)
    return max([*uppers, floor, Decimal(1_000_000)])


def _enterprise(ws: Worksheet, policy: Policy) -> dict[str, str]:
    top = L.ENTERPRISE_ROW
    S.header(ws, f"A{top}", "企业年度合计（附件3 二.3：单一企业每个自然年累计不超过上限）", f"A{top}:D{top}")
    for column, title in zip(
        "ABCD", ("产品", "产品名称", "项目奖励（元）", "年度上限后可获（元）"), strict=True
    ):
        S.label(ws, f"{column}{top + 1}", title)
    names: dict[str, str] = {}
    first = top + 2
    last = first + L.PRODUCTS - 1
    prior = f"{L.FORM}!{L.by_path()['prior_year_award'].cell}"
    cap = policy.enterprise_cap
    available = f"MAX({F.num(cap.amount)}-{prior},0)" if cap else "9E+307"
    for index in range(L.PRODUCTS):
        row = first + index
        reward_cell = L.product_output_names(index)["reward"]
        S.label(ws, f"A{row}", f"产品{index + 1}")
        S.computed(ws, f"B{row}", f'={_cells(index)["name"]}&""')
        # The marker of a product with a text amount carries on; a later product's share of the year cap
        # depends on the earlier ones, so it shows the marker too.
        S.computed(
            ws,
            f"C{row}",
            f"=IF(ISTEXT({reward_cell}),{F.quote(F.TEXT_MARKER)},{reward_cell})",
            S.MONEY_FORMAT,
        )
        granted = (
            f"ROUND(MIN(C{row},MAX({available}-SUM(D{first}:D{row - 1}),0)),2)"
            if index
            else f"ROUND(MIN(C{row},{available}),2)"
        )
        S.computed(
            ws, f"D{row}", "=" + F.unless_numbers([f"C{first}:C{row}", prior], granted), S.MONEY_FORMAT
        )
        names[L.product_output_names(index)["granted"]] = f"D{row}"
    r = last + 1
    for label, formula in (
        ("各项目奖励合计（元）", "=" + F.unless_numbers([f"C{first}:C{last}"], f"SUM(C{first}:C{last})")),
        ("本自然年已获本政策奖励（元）", "=" + F.unless_numbers([prior], prior)),
        ("企业年度奖励上限（元）", f"={F.num(cap.amount)}" if cap else '="无"'),
        (
            "本年可获奖励合计（元）",
            "="
            + F.unless_numbers(
                [f"C{first}:C{last}", prior], F.enterprise_total(policy, f"C{first}:C{last}", prior)
            ),
        ),
    ):
        S.label(ws, f"A{r}", label, span=f"A{r}:C{r}")
        S.computed(ws, f"D{r}", formula, S.MONEY_FORMAT)
        r += 1
    names[L.TOTAL_NAME] = f"D{r - 1}"
    return names
