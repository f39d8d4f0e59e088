"""Limits on what an export may bring: every reader refuses (``ExportRefused``) beyond them.

One place for every bound, so that a hostile file (a zip bomb, a line of megabytes, a merged range
over the whole sheet, JSON nested a hundred thousand deep) ends in a Russian refusal instead of
filling the disk, the memory or the clock. The values are listed in docs/canonical_export.md
(«Пределы»); tests/pipelines/test_hostile_files.py attacks each of them.
"""

from __future__ import annotations

import datetime as dt

# Archives (.zip of an export, and the .xlsx package, which is a zip too).
MAX_ARCHIVE_ENTRIES = 1_000
MAX_EXTRACTED_BYTES = 2 * 1024**3  # all entries together, counted as they are written
MAX_COMPRESSION_RATIO = 100  # extracted bytes per byte of the archive …
RATIO_FREE_BYTES = 64 * 1024**2  # … once the extracted data is over this much
MAX_FOLDER_ENTRIES = 100_000  # files and folders under the path given (a folder of many exports too)
MAX_FOLDER_DEPTH = 8

# CSV.
MAX_LINE_BYTES = 1024**2  # one line of a file
MAX_HEADER_BYTES = 64 * 1024  # the header line
MAX_COLUMNS = 200

# XLSX.
MAX_SHEET_CELLS = 20_000_000  # the sheet's declared dimension (rows × columns)
MAX_MERGED_CELLS = 100_000  # all merged ranges of a workbook together
MAX_XLSX_PART_BYTES = 512 * 1024**2  # one unpacked XML part of the package

# JSON and HTML of the journal systems.
MAX_TEXT_BYTES = 256 * 1024**2  # one text file (JSON or HTML)
MAX_NESTING_DEPTH = 200  # JSON arrays and objects, or HTML elements, inside one another
MAX_NUMBER_CHARS = 40  # one JSON number, sign and exponent included

# Dates: before this, or after the export's own moment (entries) by more than the tolerance.
EARLIEST_DATE = dt.date(2000, 1, 1)
ENTRY_TOLERANCE = dt.timedelta(days=1)
LATEST_AFTER_EXPORT = dt.timedelta(days=2 * 366)  # plans, years and periods may run ahead
PUPIL_AGE_YEARS = (5, 25)  # a pupil's age on the days the export covers
