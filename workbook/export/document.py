"""The shape of the JSON an export embeds (``xlmv verify`` reads it from a file anyone may have edited).

``parse_document`` turns the embedded text into an ``EmbeddedDocument`` or raises ``InvalidDocument``
(Chinese, naming the first field that is wrong): wrong types, missing keys and nesting deeper than
``MAX_DEPTH`` are refused before any code walks the data, so a crafted file gives "不是有效的导出文件",
never an AttributeError, TypeError or RecursionError. The declaration inside is validated by the engine's
own ``Declaration`` model when it is recomputed.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from xlmv_workbook.export.canonical import FORMAT, CellKind

__all__ = ["MAX_DEPTH", "EmbeddedDocument", "InvalidDocument", "parse_document"]

MAX_DEPTH = 32
"""The deepest nesting an export writes is about 6 levels; anything far deeper is not an export."""


class InvalidDocument(ValueError):
    """The embedded data is not an export's; ``str()`` says what is wrong (Chinese)."""


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)


class Tool(_Model):
    name: str
    version: str


class PolicyRef(_Model):
    id: str
    version: str


class ExportedIssue(_Model):
    cell: str
    message: str
    clause: str


class ExportInfo(_Model):
    forced: bool
    errors: list[ExportedIssue]


class CellEntry(_Model):
    ref: str
    kind: CellKind
    value: str


class EmbeddedDocument(_Model):
    format: Literal["xlmv-export"]
    format_version: str
    tool: Tool
    policy: PolicyRef
    declaration: dict[str, Any]
    results: dict[str, Any]
    export: ExportInfo
    cells: dict[str, CellEntry]


assert FORMAT == "xlmv-export"  # the Literal above


def _depth(value: object) -> int:
    """The nesting depth of a JSON value, without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            todo.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_document(text: str) -> tuple[dict[str, Any], EmbeddedDocument]:
    """The embedded JSON as parsed (for the canonical-form check) and validated."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise InvalidDocument("嵌入的校验数据嵌套过深") from None
    except ValueError as exc:
        raise InvalidDocument(f"嵌入的校验数据不是有效的 JSON（{exc.__class__.__name__}）") from None
    if _depth(data) > MAX_DEPTH:
        raise InvalidDocument(f"嵌入的校验数据嵌套过深（超过 {MAX_DEPTH} 层）")
    if not isinstance(data, dict):
        raise InvalidDocument("嵌入的校验数据不是对象")
    try:
        return data, EmbeddedDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "（顶层）"
        raise InvalidDocument(f"嵌入的校验数据中 {where} 无效（{first['type']}）") from None
