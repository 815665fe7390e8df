"""The declaration template: layout as data and the openpyxl builder (``xlmv template``)."""
