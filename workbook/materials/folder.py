"""Finding a declaration's materials and linking each file to a checklist item of a product.

Two conventions, usable together:

* **Sub-folders.** ``<declaration name>-材料/`` beside the workbook (or ``--materials DIR``) holds one
  folder per product, ``产品1/`` … (the product's number on the 申报表), and in it one folder per item
  named after the item's number in 附件3-1 / 附件3-2: ``产品1/3-1-4/`` holds product 1's invoices under
  附件3-1 item 4 (text may follow the number: ``3-1-4 发票/``).
* **The file column** of the 材料清单 sheet: paths relative to the workbook's folder (or to the materials
  folder), several separated by ``;``. Absolute paths and paths leading out of both folders are refused.

Every file found is read (``xlmv_workbook.materials.reading``) for what its item expects; files in the
materials folder that belong to no item are listed as unlinked.
"""

from __future__ import annotations

import re
from pathlib import Path

from xlmv.evidence.documents import Document, ItemFiles, Materials
from xlmv.policy import Policy
from xlmv_workbook.materials.limits import LIMITS, MaterialError, MaterialLimits
from xlmv_workbook.materials.reading import read_document
from xlmv_workbook.read.result import ReadResult

__all__ = ["collect", "default_folder", "item_folder"]

_PRODUCT_DIR = re.compile(r"^产品\s*(\d+)")
_ITEM_DIR = re.compile(r"^(?:附件)?\s*(\d+-\d+)-(\d+)(?!\d)")
_SPLIT = re.compile(r"[;；\n]+")


def default_folder(workbook: Path) -> Path:
    """``申报.xlsx`` → ``申报-材料/`` beside it."""
    return workbook.with_name(f"{workbook.stem}-材料")


def item_folder(checklist_id: str, item: int) -> str:
    """``附件3-1``, 4 → ``3-1-4``: the sub-folder name of a checklist item."""
    return f"{checklist_id.removeprefix('附件')}-{item}"


def _visible(path: Path) -> bool:
    return not any(part.startswith((".", "~$")) for part in path.parts)


def _files_under(folder: Path, limits: MaterialLimits) -> list[Path]:
    found = sorted(p for p in folder.rglob("*") if p.is_file() and _visible(p.relative_to(folder)))
    if len(found) > limits.max_files:
        raise MaterialError(folder, f"材料文件夹中有 {len(found)} 个文件，超过上限 {limits.max_files}")
    return found


def _shown(path: Path, folder: Path, base: Path) -> str:
    for root in (folder, base):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def collect(
    policy: Policy,
    result: ReadResult,
    workbook: Path,
    folder: Path | None = None,
    limits: MaterialLimits = LIMITS,
) -> Materials | None:
    """The declaration's documents, read; None when it has no materials folder and no file column entries.
    Raises ``MaterialError`` only for a folder that cannot be listed."""
    folder = folder if folder is not None else default_folder(workbook)
    base = workbook.resolve().parent
    root = folder.resolve() if folder.is_dir() else None
    if root is None and not result.files:
        return None
    decl = result.declaration
    checklists: dict[int, str] = {}  # template slot → checklist id
    index_of: dict[int, int] = {}  # template slot → declaration product index
    for index, product in enumerate(decl.products):
        slot = result.product_slots[index] if index < len(result.product_slots) else index
        index_of[slot] = index
        try:
            checklist = policy.checklist(policy.kind(product.kind))
        except KeyError:
            continue
        if checklist is not None:
            checklists[slot] = checklist.id

    linked: dict[tuple[int, int], list[tuple[Path | None, str, str]]] = {}  # → (path, shown, problem)
    seen: set[Path] = set()

    def link(slot: int, item: int, path: Path | None, shown: str, problem: str = "") -> None:
        entries = linked.setdefault((slot, item), [])
        if path is not None:
            if any(p == path for p, _, _ in entries):
                return
            seen.add(path)
        entries.append((path, shown, problem))

    unlinked: list[str] = []
    if root is not None:
        try:
            files = _files_under(root, limits)
        except OSError as exc:
            raise MaterialError(folder, f"无法读取材料文件夹：{exc.strerror or exc}") from None
        for path in files:
            relative = path.relative_to(root)
            product = _PRODUCT_DIR.match(relative.parts[0]) if len(relative.parts) > 2 else None
            item = _ITEM_DIR.match(relative.parts[1]) if product is not None else None
            slot = int(product[1]) - 1 if product is not None else -1
            if item is None or slot not in checklists or f"附件{item[1]}" != checklists[slot]:
                unlinked.append(relative.as_posix())
                continue
            link(slot, int(item[2]), path.resolve(), relative.as_posix())

    for key, text in sorted(result.files.items()):
        match = re.match(r"products\[(\d+)\]\.files\[(\d+)\]", key)
        if match is None or int(match[1]) not in index_of:
            continue
        slot, item = int(match[1]), int(match[2]) + 1
        for typed in (t.strip().strip('"') for t in _SPLIT.split(text)):
            if not typed:
                continue
            path, problem = _resolve(typed, base, root)
            link(slot, item, path, _shown(path, root, base) if path and root else typed, problem)

    if root is not None:
        unlinked = [u for u in unlinked if (root / u).resolve() not in seen]
    items: list[ItemFiles] = []
    roles = policy.evidence.items if policy.evidence is not None else {}
    for (slot, item), entries in sorted(linked.items()):
        if slot not in index_of:
            continue
        role = _role(roles.get(checklists.get(slot, "")), item)
        docs: list[Document] = []
        for path, shown, problem in entries:
            if problem or path is None:
                docs.append(Document(file=shown, problem=problem or "文件不存在"))
            else:
                docs.append(read_document(path, shown, role, limits))
        items.append(ItemFiles(product=index_of[slot], item=item, documents=tuple(docs)))
    shown_folder = folder.as_posix()
    return Materials(folder=shown_folder, items=tuple(items), unlinked=tuple(unlinked))


def _resolve(typed: str, base: Path, root: Path | None) -> tuple[Path | None, str]:
    candidate = Path(typed.replace("\\", "/"))
    if candidate.is_absolute() or typed.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", typed):
        return None, f"材料文件应写相对路径（相对于工作簿所在文件夹），实为 {typed!r}"
    for folder in (base, root):
        if folder is None:
            continue
        path = (folder / candidate).resolve()
        if not (path.is_relative_to(base) or (root is not None and path.is_relative_to(root))):
            return None, f"路径 {typed!r} 指向工作簿和材料文件夹之外，已拒绝读取"
        if path.is_file():
            return path, ""
    return None, f"文件不存在：{typed}"


def _role(roles: object, item: int) -> str:
    if roles is None:
        return ""
    for role in ("invoice", "settlement", "contract", "form"):
        if getattr(roles, role, None) == item:
            return "" if role == "form" else role
    return ""
