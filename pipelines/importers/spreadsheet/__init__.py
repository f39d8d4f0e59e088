"""Excel workbooks of the deputy director (spreadsheet): journal and period-mark sheets converted
to the canonical export (workbooks.py, with the importer), reading a workbook and classifying its
sheets (sheets.py)."""
