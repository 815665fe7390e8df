"""Evidence-linked material checklist: the documents behind a declaration and their cross-checks (pure)."""
