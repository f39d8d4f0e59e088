"""What every PDF document must pass: text as pdftotext reads it, pages inside their margins and
not empty (pdftoppm), PDF/A identification and embedded fonts (pdfinfo, pdffonts)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageOps

DPI = 30
MARGIN_MM = 8  # of the 12–20 mm page margins, this much must stay blank on every side
# the smallest page margins of the documents (left, top, right, bottom): inside them is the body,
# outside only the running header and the page number
BODY_MM = (16, 14, 12, 16)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_lines(pdf: Path) -> list[str]:
    return [" ".join(line.split()) for line in pdf_text(pdf).splitlines() if line.strip()]


def assert_pages_inside_margins(pdf: Path, workdir: Path) -> int:
    """Every page has body content (not only the running header and page number), and all its ink
    lies inside the margins; returns the number of pages."""
    prefix = workdir / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(prefix)], check=True)
    pages = sorted(workdir.glob(f"{pdf.stem}-*.png"))
    assert pages, pdf.name
    margin = round(DPI / 25.4 * MARGIN_MM)
    for page in pages:
        image = Image.open(page).convert("L")
        mask = ImageOps.invert(image).point(lambda v: 255 if v > 127 else 0)
        ink = mask.getbbox()
        width, height = image.size
        left_mm, top_mm, right_mm, bottom_mm = (round(DPI / 25.4 * mm) for mm in BODY_MM)
        body = mask.crop((left_mm, top_mm, width - right_mm, height - bottom_mm)).getbbox()
        assert ink is not None and body is not None, f"{pdf.name}: {page.name} has no content"
        left, top, right, bottom = ink
        inside = left >= margin and top >= margin and right <= width - margin and bottom <= height - margin
        assert inside, f"{pdf.name}: {page.name} ink {ink} outside the margins of {image.size}"
    return len(pages)


def assert_pdf_a(pdf: Path, title: str) -> None:
    meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "<pdfaid:part>3</pdfaid:part>" in meta or 'pdfaid:part="3"' in meta, pdf.name
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in meta or 'pdfaid:conformance="B"' in meta, pdf.name
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert title in info, pdf.name
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all("Doc-Sans" in line and " yes yes " in line for line in embedded), fonts
