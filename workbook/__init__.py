"""xlmv_workbook: the workbook layer over the engine, in the order a declaration travels.

- ``xlsx``: safe reading of untrusted .xlsx/.xlsm files, atomic and lossless writing, shared cell styles.
- ``template``: the declaration template: cell map (``layout``), sheets, formulas, filling it from a declaration.
- ``read``: a filled workbook → ``Declaration`` with cells; validation (files and Excel) and ``xlmv check``.
- ``review``: reviewers' batches: ``xlmv batch``, the ledger, the review workbook, ``xlmv recalc``.
- ``export``: the values-only submission, its PDF and ``xlmv verify``.
- ``demo``: the whole job on the bundled examples (``xlmv demo``).

Nothing here decides money or eligibility: that is the engine's (``xlmv``).
"""
