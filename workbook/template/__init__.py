"""The declaration template (``xlmv template``): its cell map, sheets, formulas, and filling it from a declaration."""
