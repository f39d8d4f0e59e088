"""Дневник.ру and «Школьный портал» (dnevnik): one JSON file per v2 API request (api.py, with the
importer)."""
