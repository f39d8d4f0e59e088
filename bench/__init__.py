"""Speed and memory benchmark of the ingest against plain DuckDB and pandas + pandera (`python -m bench`).

See bench/README.md: what is measured, how to run it and how to read the figures.
"""
