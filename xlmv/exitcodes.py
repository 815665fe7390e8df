"""The exit codes of every ``xlmv`` command, in one table that scripts can rely on.

| code | meaning |
| --- | --- |
| 0 | done, nothing to report |
| 1 | findings: the declaration has errors, the export was refused, the files differ |
| 2 | bad input: an argument, an unreadable file, a failed write |
| 3 | an internal error (a bug) |
"""

from __future__ import annotations

__all__ = ["EXIT_BAD_INPUT", "EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
