"""A product's declared model providers, matched by name, and its services grouped by provider."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from xlmv.declaration import Product
from xlmv.evidence.names import names_match, normalise_name, split_provider
from xlmv.evidence.state import CheckRun
from xlmv.money import ZERO

__all__ = [
    "amount_or_zero",
    "api_kind",
    "group_key",
    "match_provider",
    "provider_field",
    "provider_groups",
    "provider_names",
]


def api_kind(run: CheckRun, product: Product) -> bool:
    return run.policy.kind(product.kind).basis == "per_service"


def provider_names(run: CheckRun, product: Product) -> list[tuple[int | None, str, str]]:
    """(service index or None for the procurement, provider name, provider USCC) of a product."""
    if api_kind(run, product):
        return [
            (n, *split_provider(s.provider)) for n, s in enumerate(product.services) if s.provider.strip()
        ]
    if product.procurement is not None and product.procurement.provider.strip():
        return [(None, *split_provider(product.procurement.provider))]
    return []


def provider_field(run: CheckRun, p_index: int, product: Product, service: int | None) -> str:
    if api_kind(run, product):
        return f"products[{p_index}].services[{service or 0}].provider"
    return f"products[{p_index}].procurement.provider"


def match_provider(
    providers: list[tuple[int | None, str, str]], name: str
) -> list[tuple[int | None, str, str]]:
    return [p for p in providers if names_match(name, p[1])]


def group_key(providers: list[tuple[int | None, str, str]], service: int | None) -> int | None:
    """Services with the same provider share their invoices: the first such service stands for them."""
    name = next((normalise_name(n) for s, n, _ in providers if s == service), "")
    return next((s for s, n, _ in providers if normalise_name(n) == name), service)


def provider_groups(
    product: Product, providers: list[tuple[int | None, str, str]]
) -> dict[int | None, list[int]]:
    groups: dict[int | None, list[int]] = defaultdict(list)
    for s, _, _ in providers:
        if s is not None:
            groups[group_key(providers, s)].append(s)
    return groups


def amount_or_zero(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO
