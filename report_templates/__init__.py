"""Official documents: Jinja2 templates rendered to PDF/A by WeasyPrint, and the same figures as XLSX.

One folder per document (context builder, render, template) and one entry in `catalogue.py`, which
the command line, the rendering workers and the dashboard's «Отчёты» page read; `base.html.j2` and
`base.css` hold the school header, signature lines and the page rules; fonts are bundled so output
is the same everywhere.
"""
