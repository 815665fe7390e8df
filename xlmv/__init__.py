"""xlmv: Beijing's 2024 model-voucher (模型券) reward policy as a self-checking declaration workbook.

The core library (policy data, exact reward arithmetic, rules and findings) knows nothing about Excel;
the workbook, the xlwings UDFs and the CLI are thin layers over it.
"""

__version__ = "0.2.0"
