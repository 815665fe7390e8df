"""Bundled reference tables (GB/T 2260 Beijing districts, GB/T 4754 divisions, CAC filing samples)."""
