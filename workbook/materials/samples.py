"""Fictional supporting documents for the demo, the tests and the benchmark — never real ones.

Every document says 虚构示例 on its face. Invoices come laid out like the real ones: 数电发票 and
增值税电子普通发票 as PDF (reportlab with the Adobe CJK CID font STSong-Light, which every PDF reader
has built in, so no font file is needed or embedded), as OFD (GB/T 33190: OFD.xml, Doc_0/Document.xml,
Pages/Page_0/Content.xml with TextObjects, plus the invoice custom tags and the original XML as an
attachment, as 数电 OFD files carry them) and as 数电发票 XML; settlement statements as xlsx or PDF;
contracts as PDF. Also the awkward cases: an image-only scan, an encrypted PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from xlmv.evidence.documents import Invoice, Party, Settlement

__all__ = [
    "FICTIONAL",
    "contract_pdf",
    "image_only_pdf",
    "invoice_ofd",
    "invoice_pdf",
    "invoice_xml",
    "make_invoice",
    "rmb_upper",
    "settlement_pdf",
    "settlement_xlsx",
]

FICTIONAL = "虚构示例，非真实票据，仅供 xlmv 演示与测试"
FONT = "STSong-Light"


def make_invoice(
    number: str,
    date: dt.date,
    buyer: Party,
    seller: Party,
    total: Decimal,
    *,
    rate: Decimal = Decimal("0.06"),
) -> Invoice:
    amount = (total / (1 + rate)).quantize(Decimal("0.01"))
    return Invoice(
        label="电子发票（普通发票）",
        number=number,
        date=date,
        buyer=buyer,
        seller=seller,
        amount=amount,
        tax=total - amount,
        total=total,
    )


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "兆"]


def rmb_upper(amount: Decimal) -> str:
    """``1060000.50`` → ``壹佰零陆万圆伍角``: the 价税合计（大写） line."""
    fen = int((amount * 100).quantize(Decimal("1")))
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    if yuan == 0:
        text = ""
    else:
        groups, parts, zero = [], str(yuan), False
        while parts:
            groups.insert(0, parts[-4:])
            parts = parts[:-4]
        text = ""
        for g_index, group in enumerate(groups):
            section = len(groups) - 1 - g_index
            chunk = ""
            for i, ch in enumerate(group.zfill(4)):
                d = int(ch)
                if d == 0:
                    zero = bool(chunk) or bool(text)
                    continue
                if zero:
                    chunk += "零"
                    zero = False
                chunk += _DIGITS[d] + _UNITS[3 - i]
            if chunk:
                text += chunk + _SECTIONS[section]
        text += "圆"
    if jiao == 0 and cents == 0:
        return (text or "零圆") + "整"
    text += (_DIGITS[jiao] + "角") if jiao else ("零" if text else "")
    if cents:
        text += _DIGITS[cents] + "分"
    return text


def _yuan(amount: Decimal | None) -> str:
    return "" if amount is None else f"¥{amount:,.2f}"


def _canvas(target: io.BytesIO, *, encrypt: str | None = None):  # -> reportlab Canvas
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(target, pagesize=(240 * mm, 140 * mm), encrypt=encrypt, invariant=True)
    c.setTitle("虚构示例")
    return c, mm


def _write(path: str | os.PathLike[str], data: bytes) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def invoice_lines(invoice: Invoice, *, style: str = "digital") -> list[tuple[float, float, str, int]]:
    """The invoice face as (x mm, y mm from the top, text, size): the same layout for PDF and OFD."""
    date = invoice.date
    date_text = f"{date.year}年{date.month:02d}月{date.day:02d}日" if date else ""
    vat = style == "vat"
    title = "北京增值税电子普通发票" if vat else (invoice.label or "电子发票（普通发票）")
    id_label = "纳税人识别号" if vat else "统一社会信用代码/纳税人识别号"
    lines: list[tuple[float, float, str, int]] = [(80, 14, title, 16)]
    if vat:
        lines.append((165, 10, "发票代码：011002400111", 9))
    lines += [
        (165, 16, f"发票号码：{invoice.number}", 9),
        (165, 22, f"开票日期：{date_text}", 9),
        (10, 34, "购买方信息" if not vat else "购买方", 9),
        (125, 34, "销售方信息" if not vat else "销售方", 9),
        (14, 42, f"名称：{invoice.buyer.name}", 9),
        (129, 42, f"名称：{invoice.seller.name}", 9),
        (14, 50, f"{id_label}：{invoice.buyer.tax_id}", 9),
        (129, 50, f"{id_label}：{invoice.seller.tax_id}", 9),
        (14, 62, "项目名称        规格型号  单位  数量  单价        金额            税率/征收率  税额", 8),
        (
            14,
            70,
            f"*信息技术服务*大模型服务费            项    1     {invoice.amount or 0:.2f}  "
            f"{invoice.amount or 0:.2f}    6%    {invoice.tax or 0:.2f}",
            8,
        ),
        (14, 96, f"合    计    {_yuan(invoice.amount)}    {_yuan(invoice.tax)}", 9),
        (
            14,
            106,
            f"价税合计（大写）  {rmb_upper(invoice.total or Decimal(0))}    （小写）{_yuan(invoice.total)}",
            9,
        ),
        (14, 118, f"备注：{FICTIONAL}", 8),
        (14, 130, "开票人：虚构", 8),
    ]
    return lines


def invoice_pdf(path: str | os.PathLike[str], invoice: Invoice, *, style: str = "digital") -> Path:
    """A one-page invoice PDF with a text layer (``style``: ``digital`` 数电发票, ``vat`` 增值税电子普通发票)."""
    buf = io.BytesIO()
    c, mm = _canvas(buf)
    height = 140 * mm
    for x, y, text, size in invoice_lines(invoice, style=style):
        c.setFont(FONT, size)
        c.drawString(x * mm, height - y * mm, text)
    c.rect(10 * mm, 28 * mm, 220 * mm, 84 * mm)
    c.showPage()
    c.save()
    return _write(path, buf.getvalue())


def _text_pdf(path: str | os.PathLike[str], lines: list[str], *, encrypt: str | None = None) -> Path:
    buf = io.BytesIO()
    c, mm = _canvas(buf, encrypt=encrypt)
    y = 125 * mm
    for line in lines:
        c.setFont(FONT, 11)
        c.drawString(15 * mm, y, line)
        y -= 9 * mm
    c.showPage()
    c.save()
    return _write(path, buf.getvalue())


def settlement_lines(s: Settlement) -> list[str]:
    return [
        "大模型API调用结算单",
        f"服务提供方：{s.provider}",
        f"模型服务：{s.service}",
        f"结算期间：{s.period_start} 至 {s.period_end}",
        f"结算金额（元）：{_yuan(s.amount)}",
        f"说明：{FICTIONAL}",
    ]


def settlement_pdf(path: str | os.PathLike[str], s: Settlement) -> Path:
    return _text_pdf(path, settlement_lines(s))


def settlement_xlsx(path: str | os.PathLike[str], s: Settlement, customer: str = "") -> Path:
    """A settlement statement as a provider's billing export: label / value rows, then usage by month."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "结算单"
    rows: list[tuple[object, ...]] = [
        ("大模型API调用结算单",),
        ("服务提供方", s.provider),
        ("客户名称", customer),
        ("模型服务", s.service),
        ("结算期间", f"{s.period_start} 至 {s.period_end}"),
        ("结算金额（元）", float(s.amount) if s.amount is not None else None),
        ("说明", FICTIONAL),
    ]
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return _write(path, buf.getvalue())


def contract_pdf(
    path: str | os.PathLike[str], buyer: str, seller: str, signed: dt.date | None, subject: str
) -> Path:
    lines = [
        f"大模型服务采购合同（{FICTIONAL}）",
        f"甲方（采购方）：{buyer}",
        f"乙方（供应方）：{seller}",
        f"交付标的：{subject}",
        "付款时间：合同签署后三十日内支付",
    ]
    if signed is not None:
        lines.append(f"签署日期：{signed.year}年{signed.month}月{signed.day}日")
    return _text_pdf(path, lines)


def plain_pdf(path: str | os.PathLike[str], title: str) -> Path:
    """A statement or commitment letter: text only, nothing to cross-check."""
    return _text_pdf(path, [title, FICTIONAL])


def encrypted_pdf(path: str | os.PathLike[str]) -> Path:
    return _text_pdf(path, ["加密的虚构示例"], encrypt="secret-password")


def image_only_pdf(path: str | os.PathLike[str]) -> Path:
    """A scan: one page with a picture and no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (480, 280), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 460, 260), outline=0, width=3)
    for y in range(50, 250, 24):
        draw.line((40, y, 440, y), fill=80, width=2)
    buf = io.BytesIO()
    c, mm = _canvas(buf)
    c.drawImage(ImageReader(image), 10 * mm, 10 * mm, 220 * mm, 120 * mm)
    c.showPage()
    c.save()
    return _write(path, buf.getvalue())


# ------------------------------------------------------------------------------------------ XML / OFD


def invoice_xml_bytes(invoice: Invoice) -> bytes:
    """A 数电发票 XML in the published structure (EInvoice: Header, EInvoiceData, TaxSupervisionInfo)."""
    date = invoice.date.isoformat() if invoice.date else ""
    kind = "专用发票" if "专用" in invoice.label else "普通发票"

    def money(value: Decimal | None) -> str:
        return "" if value is None else f"{value:.2f}"

    e = escape
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header>
    <EIid>{e(invoice.number)}</EIid>
    <EInvoiceTag>SWEI1100</EInvoiceTag>
    <Version>0.1</Version>
    <InherentLabel>
      <EInvoiceType><LabelCode>02</LabelCode><LabelName>{kind}</LabelName></EInvoiceType>
    </InherentLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation>
      <SellerIdNum>{e(invoice.seller.tax_id)}</SellerIdNum>
      <SellerName>{e(invoice.seller.name)}</SellerName>
    </SellerInformation>
    <BuyerInformation>
      <BuyerIdNum>{e(invoice.buyer.tax_id)}</BuyerIdNum>
      <BuyerName>{e(invoice.buyer.name)}</BuyerName>
    </BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>{money(invoice.amount)}</TotalAmWithoutTax>
      <TotalTaxAm>{money(invoice.tax)}</TotalTaxAm>
      <TotalTax-includedAmount>{money(invoice.total)}</TotalTax-includedAmount>
      <TotalTax-includedAmountInChinese>{rmb_upper(invoice.total or Decimal(0))}</TotalTax-includedAmountInChinese>
      <Drawer>虚构</Drawer>
      <RequestTime>{date} 10:00:00</RequestTime>
    </BasicInformation>
    <IssuItemInformation>
      <ItemName>*信息技术服务*大模型服务费</ItemName>
      <Amount>{money(invoice.amount)}</Amount>
      <TaxRate>0.06</TaxRate>
      <ComTaxAm>{money(invoice.tax)}</ComTaxAm>
    </IssuItemInformation>
    <AdditionalInformation><Remark>{FICTIONAL}</Remark></AdditionalInformation>
  </EInvoiceData>
  <TaxSupervisionInfo>
    <InvoiceNumber>{e(invoice.number)}</InvoiceNumber>
    <IssueTime>{date} 10:00:00</IssueTime>
    <TaxBureauCode>11100000000</TaxBureauCode>
    <TaxBureauName>虚构示例税务机关</TaxBureauName>
  </TaxSupervisionInfo>
</EInvoice>
""".encode()


def invoice_xml(path: str | os.PathLike[str], invoice: Invoice) -> Path:
    return _write(path, invoice_xml_bytes(invoice))


OFD_NS = "http://www.ofdspec.org/2016"
TAG_NS = "http://www.edrm.org.cn/schema/e-invoice/2019"


def invoice_ofd_bytes(
    invoice: Invoice, *, style: str = "digital", tags: bool = True, attachment: bool = True
) -> bytes:
    """A minimal OFD package (GB/T 33190) holding the invoice face as TextObjects, the invoice custom
    tags pointing at them (``tags``) and the original 数电 XML as an attachment (``attachment``)."""
    objects: list[str] = []
    ids: dict[str, int] = {}
    next_id = 10
    for x, y, text, size in invoice_lines(invoice, style=style):
        label, sep, value = text.partition("：")
        boundary = f"{x} {y - size * 0.35:.1f} 120 {size * 0.5:.1f}"
        objects.append(
            f'<ofd:TextObject ID="{next_id}" Boundary="{boundary}" Font="3" Size="{size * 0.35:.2f}">'
            f'<ofd:TextCode X="0" Y="{size * 0.35:.2f}">{escape(text)}</ofd:TextCode></ofd:TextObject>'
        )
        if sep:
            ids.setdefault(label, next_id)
        next_id += 1
    # value-only objects the tags point at (real files keep labels and values apart the same way)
    values = {
        "InvoiceNo": invoice.number,
        "IssueDate": invoice.date.isoformat() if invoice.date else "",
        "BuyerName": invoice.buyer.name,
        "BuyerTaxID": invoice.buyer.tax_id,
        "SellerName": invoice.seller.name,
        "SellerTaxID": invoice.seller.tax_id,
        "TaxExclusiveTotalAmount": f"{invoice.amount:.2f}" if invoice.amount is not None else "",
        "TaxTotalAmount": f"{invoice.tax:.2f}" if invoice.tax is not None else "",
        "TaxInclusiveTotalAmount": f"{invoice.total:.2f}" if invoice.total is not None else "",
    }
    tag_refs: list[str] = []
    for tag, value in values.items():
        objects.append(
            f'<ofd:TextObject ID="{next_id}" Boundary="0 139 1 1" Font="3" Size="0.1">'
            f'<ofd:TextCode X="0" Y="0.1">{escape(value)}</ofd:TextCode></ofd:TextObject>'
        )
        tag_refs.append(f'<fp:{tag}><ofd:ObjectRef PageRef="1">{next_id}</ofd:ObjectRef></fp:{tag}>')
        next_id += 1
    files: dict[str, bytes] = {
        "OFD.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD">
  <ofd:DocBody>
    <ofd:DocInfo><ofd:DocID>{escape(invoice.number)}</ofd:DocID><ofd:Title>{FICTIONAL}</ofd:Title>
      <ofd:Creator>xlmv</ofd:Creator>
      <ofd:CustomDatas><ofd:CustomData Name="发票号码">{escape(invoice.number)}</ofd:CustomData></ofd:CustomDatas>
    </ofd:DocInfo>
    <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>
  </ofd:DocBody>
</ofd:OFD>
""".encode(),
        "Doc_0/Document.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="{OFD_NS}">
  <ofd:CommonData>
    <ofd:MaxUnitID>{next_id}</ofd:MaxUnitID>
    <ofd:PageArea><ofd:PhysicalBox>0 0 240 140</ofd:PhysicalBox></ofd:PageArea>
    <ofd:PublicRes>PublicRes.xml</ofd:PublicRes>
  </ofd:CommonData>
  <ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>
  {"<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>" if tags else ""}
  {"<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>" if attachment else ""}
</ofd:Document>
""".encode(),
        "Doc_0/PublicRes.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res">
  <ofd:Fonts><ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts>
</ofd:Res>
""".encode(),
        "Doc_0/Pages/Page_0/Content.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="{OFD_NS}">
  <ofd:Content><ofd:Layer ID="2">{"".join(objects)}</ofd:Layer></ofd:Content>
</ofd:Page>
""".encode(),
    }
    if tags:
        files["Doc_0/Tags/CustomTags.xml"] = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:CustomTags xmlns:ofd="{OFD_NS}">
  <ofd:CustomTag NameSpace="{TAG_NS}"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag>
</ofd:CustomTags>
""".encode()
        files["Doc_0/Tags/CustomTag.xml"] = f"""<?xml version="1.0" encoding="UTF-8"?>
<fp:eInvoice xmlns:fp="{TAG_NS}" xmlns:ofd="{OFD_NS}">{"".join(tag_refs)}</fp:eInvoice>
""".encode()
    if attachment:
        files["Doc_0/Attachs/Attachments.xml"] = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Attachments xmlns:ofd="{OFD_NS}">
  <ofd:Attachment ID="1" Name="original_invoice" Format="xml" Visible="false">
    <ofd:FileLoc>original_invoice.xml</ofd:FileLoc>
  </ofd:Attachment>
</ofd:Attachments>
""".encode()
        files["Doc_0/Attachs/original_invoice.xml"] = invoice_xml_bytes(invoice)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 10, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def invoice_ofd(path: str | os.PathLike[str], invoice: Invoice, **kwargs: object) -> Path:
    return _write(path, invoice_ofd_bytes(invoice, **kwargs))  # type: ignore[arg-type]
