"""Reviewers' batches: many declarations read together, caps across applications, the review workbook and ``xlmv recalc``."""
