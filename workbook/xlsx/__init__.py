"""Spreadsheet files as such: opening untrusted ones safely, cell references, atomic and lossless writing, styles."""
