"""Worked cases of the eligibility rules (tests/cases/rules.toml) on the bundled example declaration,
and the data they rest on (the USCC organisation-type table, clauses read from the policy)."""

from __future__ import annotations

import ast
import datetime as dt
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from xlmv import rules
from xlmv.declaration import Declaration, Product
from xlmv.orgtype import org_type
from xlmv.policy import load_policy
from xlmv.rules import check_declaration

CASES = tomllib.loads((Path(__file__).parent / "cases" / "rules.toml").read_text(encoding="utf-8"))
POLICY = load_policy("beijing-2024")


def _example() -> dict[str, Any]:
    text = (resources.files("xlmv.examples") / "01-星河智算.json").read_text(encoding="utf-8")
    return Declaration.model_validate_json(text).model_dump(mode="json")


def _set(data: dict[str, Any], path: str, value: object) -> None:
    parts = re.findall(r"[a-z_0-9]+|\[[0-9]+\]", path)
    target: Any = data
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    last = parts[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = value
    else:
        target[last] = value


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_rule_case(case: dict[str, Any]) -> None:
    data = _example()
    for path, value in case.get("set", {}).items():
        _set(data, path, value.isoformat() if isinstance(value, dt.date) else value)
    for path in case.get("blank", []):
        _set(data, path, None)
    findings = check_declaration(POLICY, Declaration.model_validate(data), today=CASES["today"])
    got = sorted((f.code, f.field, f.clause, str(f.severity)) for f in findings)
    want = sorted((e["code"], e["field"], e["clause"], e["severity"]) for e in case["expect"])
    assert got == want
    for e in case["expect"]:
        if "says" in e:
            message = next(f.message for f in findings if (f.code, f.field) == (e["code"], e["field"]))
            assert e["says"] in message


def test_org_type_table_names_what_is_rejected_and_why() -> None:
    assert org_type("91")
    self_employed = org_type("92110108MA01ABCDX2")
    assert self_employed is not None
    assert (self_employed.type, self_employed.legal_person) == ("个体工商户", "no")
    assert org_type("12").type == "事业单位"  # type: ignore[union-attr]
    assert org_type("52").type == "民办非企业单位"  # type: ignore[union-attr]
    assert org_type("94") is None
    assert set(POLICY.legal_person.eligible) == {"91", "12", "52"}  # type: ignore[union-attr]


def test_message_for_92_says_what_and_why() -> None:
    data = _example()
    data["company"]["uscc"] = "92110108MA01ABCDX2"
    [finding] = check_declaration(POLICY, Declaration.model_validate(data), today=CASES["today"])
    assert "“92”表示个体工商户" in finding.message
    assert "不具备独立法人资格" in finding.message
    assert "91 企业、12 事业单位、52 民办非企业单位" in finding.message


def test_checklist_condition_fields_exist_on_the_product() -> None:
    for checklist in POLICY.checklists:
        for item in checklist.items:
            for condition in item.conditions:
                assert {condition.field, condition.then_field} <= set(Product.model_fields)


def test_no_clause_literal_in_rules() -> None:
    """Issue 13: every clause a rule cites comes from the policy data, not a string in rules.py."""
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    literals = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.search(r"附件\s*3", node.value)
    ]
    docstrings = {
        ast.get_docstring(n, clean=False)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef))
    }
    assert [s for s in literals if s not in docstrings] == []
