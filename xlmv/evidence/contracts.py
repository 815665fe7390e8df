"""The contract checks: its text readable, a private deployment's signing date on or after the policy's."""

from __future__ import annotations

from xlmv.declaration import Product
from xlmv.evidence.documents import Document
from xlmv.evidence.providers import api_kind
from xlmv.evidence.state import CheckRun, ItemState

__all__ = ["check_contracts"]


def check_contracts(
    run: CheckRun, state: ItemState, p_index: int, product: Product, field: str, docs: tuple[Document, ...]
) -> None:
    private = not api_kind(run, product)
    limit = run.policy.limits.private_contract_from
    for doc in docs:
        if not doc.readable:
            continue
        contract = doc.contract
        if contract is None or not contract.has_text:
            run.review(state, "contract", "contract_unread", field, "未能读出合同文字，需人工核对", doc.file)
            continue
        if not private or limit is None:
            continue
        if contract.signing_date is None:
            run.review(
                state, "contract", "contract_date_unread", field, "未能读出合同签署日期，需人工核对", doc.file
            )
        elif contract.signing_date < limit.value:
            run.error(
                state,
                "contract",
                "contract_date",
                f"products[{p_index}].procurement.contract_date",
                f"合同签署日期 {contract.signing_date.isoformat()} 早于 {limit.value.isoformat()}",
                doc.file,
            )
        elif (
            product.procurement is not None
            and product.procurement.contract_date is not None
            and product.procurement.contract_date != contract.signing_date
        ):
            run.review(
                state,
                "contract",
                "contract_date_differs",
                f"products[{p_index}].procurement.contract_date",
                f"合同签署日期 {contract.signing_date.isoformat()} 与申报表填写的 "
                f"{product.procurement.contract_date.isoformat()} 不一致，需人工核对",
                doc.file,
            )
