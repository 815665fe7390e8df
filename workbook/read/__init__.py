"""Reading filled declarations into the engine and validating them (``xlmv check``, the ``MV_VALIDATE`` macro)."""
