"""Official documents: Jinja2 templates rendered to PDF/A by WeasyPrint, and the same figures as XLSX.

One folder per document (template, context builder); `base.html.j2` and `base.css` hold the school
header, signature lines and the page rules; fonts are bundled so output is the same everywhere.
"""
