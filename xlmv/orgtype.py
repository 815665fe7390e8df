"""The kind of entity a 统一社会信用代码 stands for, from its first two characters.

Position 1 is the registration authority (登记管理部门) and position 2 the organisation type (机构类别),
per GB 32100-2015《法人和其他组织统一社会信用代码编码规则》附录 A (table in ``xlmv/data/uscc_org_types.csv``:
code, authority, type, and whether that type is an independent legal person: ``yes``, ``no`` or
``unknown`` where the type mixes legal persons and unincorporated bodies). Which types a scheme accepts is
policy data (``[legal_person]`` in the policy TOML); this module only looks codes up.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["OrgType", "org_type"]

SOURCE = "GB 32100-2015《法人和其他组织统一社会信用代码编码规则》附录 A 登记管理部门代码和机构类别代码"


class OrgType(BaseModel):
    """One registration-authority and organisation-type pair (``91`` 工商 企业)."""

    model_config = ConfigDict(frozen=True)

    code: str
    authority: str
    type: str
    legal_person: Literal["yes", "no", "unknown"]

    def text(self) -> str:
        """``91 企业（登记管理部门：工商（市场监督管理））``."""
        return f"{self.code} {self.type}（登记管理部门：{self.authority}）"


@cache
def _table() -> dict[str, OrgType]:
    text = (resources.files("xlmv.data") / "uscc_org_types.csv").read_text(encoding="utf-8")
    return {row["code"]: OrgType.model_validate(row) for row in csv.DictReader(text.splitlines())}


def org_type(uscc: str) -> OrgType | None:
    """The organisation type of a (normalised, upper-case) code by its first two characters; ``None`` when
    the pair is not in the standard's table."""
    return _table().get(uscc[:2])
