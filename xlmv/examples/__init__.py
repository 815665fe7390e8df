"""Bundled example declarations (fictional companies) for ``xlmv demo``, as Declaration JSON."""
