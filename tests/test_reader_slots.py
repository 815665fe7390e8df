"""The reader takes every product slot of the template, the last one included (附件3-3 allows several
products; the template has ``layout.PRODUCTS`` blocks): each slot's product comes back whole, at its place."""

from __future__ import annotations

from pathlib import Path

from filling import api_tier_boundaries, private_tier_boundaries
from workbooks import declaration_values, write_workbook

from xlmv.assess import assess
from xlmv_workbook.read.reader import read_workbook
from xlmv_workbook.template import layout


def test_the_template_has_three_product_slots() -> None:
    assert layout.PRODUCTS == 3


def test_every_slot_is_read(tmp_path: Path) -> None:
    """Three API products, one per slot (100,000 / 1,000,000 / 1,000,000.01), all read back in order."""
    decl = api_tier_boundaries()
    result = read_workbook(write_workbook(tmp_path / "三项.xlsx", declaration_values(decl)))
    assert result.findings == []
    assert result.product_slots == (0, 1, 2)
    assert result.declaration == decl
    assert [p.name for p in result.declaration.products] == [
        "API起点产品",
        "API第一档上界产品",
        "API第二档起点产品",
    ]
    # 10万 × 50% = 5万; 100万 × 50% = 50万; 50万 + 0.01 × 25% = 500000.0025 → 500,000.00
    granted = [str(p.granted) for p in assess(result.declaration).products]
    assert granted == ["50000.00", "500000.00", "500000.00"]


def test_the_third_slot_alone_is_read(tmp_path: Path) -> None:
    """Only the last block filled: one product, found in slot 3 and reported at its cells."""
    third = private_tier_boundaries().products[2]  # 私有化第三档产品, 500万 + 0.01
    values = {
        path.replace("products[0].", "products[2].", 1): value
        for path, value in declaration_values(
            private_tier_boundaries().model_copy(update={"products": [third]})
        ).items()
    }
    result = read_workbook(write_workbook(tmp_path / "第三项.xlsx", values))
    assert result.product_slots == (2,)
    assert result.declaration.products == [third]
    assert result.cell_for("products[0].name") == layout.by_path()["products[2].name"].ref
    # 200万 × 20% + 300万 × 10% + 0.01 × 5% = 40万 + 30万 + 0.0005 → 700,000.00
    assert str(assess(result.declaration).products[0].granted) == "700000.00"
