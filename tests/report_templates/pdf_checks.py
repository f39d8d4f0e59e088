"""What every PDF document must pass: text as pdftotext reads it, pages inside their margins and
not empty (pdftoppm), PDF/A identification and embedded fonts (pdfinfo, pdffonts)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageOps

DPI = 30
MARGIN_MM = 8  # of the 12–20 mm page margins, this much must stay blank on every side


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_lines(pdf: Path) -> list[str]:
    return [" ".join(line.split()) for line in pdf_text(pdf).splitlines() if line.strip()]


def assert_pages_inside_margins(pdf: Path, workdir: Path) -> int:
    """Every page has ink, and all of it inside the margins; returns the number of pages."""
    prefix = workdir / pdf.stem
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(prefix)], check=True)
    pages = sorted(workdir.glob(f"{pdf.stem}-*.png"))
    assert pages, pdf.name
    margin = round(DPI / 25.4 * MARGIN_MM)
    for page in pages:
        image = Image.open(page).convert("L")
        ink = ImageOps.invert(image).point(lambda v: 255 if v > 127 else 0).getbbox()
        assert ink is not None, f"{pdf.name}: {page.name} is empty"
        left, top, right, bottom = ink
        width, height = image.size
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
