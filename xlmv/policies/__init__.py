"""Bundled policy data files, one TOML file per scheme (loaded by ``xlmv.policy``)."""
