"""Bundled example declarations (fictional companies) for ``xlmv demo`` and the tests, as Declaration JSON.

``01-星河智算`` is complete and rule-clean (an API product with two services and a private deployment),
``02-青禾医疗`` meets the project and enterprise caps, ``03-华章工业-含错误`` has errors on purpose.
"""

from __future__ import annotations

from importlib import resources

from xlmv.declaration import Declaration

__all__ = ["VALID", "load", "load_all", "names"]

VALID = "01-星河智算"


def names() -> list[str]:
    """The examples' names (file names without ``.json``), in file-name order."""
    folder = resources.files(__name__)
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def load(name: str) -> Declaration:
    """One example, freshly parsed (a caller may change its copy)."""
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return Declaration.model_validate_json(text)


def load_all() -> list[tuple[str, Declaration]]:
    """Every example with its name, in file-name order."""
    return [(name, load(name)) for name in names()]
