"""Importers: each journal system's own data mapped onto the canonical export (see base.py)."""
