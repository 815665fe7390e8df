"""The submission export (``xlmv export``): values-only form and letter, its PDF, and ``xlmv verify``."""
