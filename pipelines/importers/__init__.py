"""Importers: each journal system's own data mapped onto the canonical export.

One folder per system, one entry per system in systems.py; the contract is contract.py and the
shared kit the other modules here (README.md lists them)."""
