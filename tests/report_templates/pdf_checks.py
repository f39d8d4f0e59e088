"""What every document test of documents 5–9 checks on a PDF and an XLSX, and the raw-CSV helpers
the expectations are computed with (standard library only, never the project's SQL)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import openpyxl
from PIL import Image, ImageOps

from pipelines.ingest import ingest_path
from tests.factories import SAMPLE, raw

MARGIN_MM = 8  # of the 14–20 mm page margins, this much must stay blank


def load_sample(tmp_path_factory) -> Path:
    """The committed sample loaded into a fresh warehouse (for a module-scoped fixture)."""
    db = tmp_path_factory.mktemp("docs-b") / "w.duckdb"
    (result,) = ingest_path(SAMPLE, db)
    assert result.status == "loaded"
    return db


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def pdf_lines(pdf: Path) -> list[str]:
    """Lines of the PDF's text with runs of spaces folded to one."""
    return [" ".join(line.split()) for line in pdf_text(pdf).splitlines() if line.strip()]


def assert_pdf_a(pdf: Path, title: str) -> None:
    meta = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "<pdfaid:part>3</pdfaid:part>" in meta or 'pdfaid:part="3"' in meta, pdf.name
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert title in info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert embedded and all("Doc-Sans" in line and " yes yes " in line for line in embedded)


def assert_pages_inside_margins(pdf: Path, folder: Path) -> int:
    """Every page rendered at 40 dpi has ink, and none of it within MARGIN_MM of the paper's edge."""
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / pdf.stem)], check=True)
    pages = sorted(folder.glob(f"{pdf.stem}-*.png"))
    assert pages
    margin = int(40 / 25.4 * MARGIN_MM)
    for page in pages:
        image = Image.open(page).convert("L")
        ink = ImageOps.invert(image).point(lambda v: 255 if v > 127 else 0).getbbox()
        assert ink is not None, f"{page.name} is empty"
        left, top, right, bottom = ink
        width, height = image.size
        assert left >= margin and top >= margin and right <= width - margin and bottom <= height - margin, (
            f"{page.name}: ink {ink} outside the margins of {image.size}"
        )
    return len(pages)


def xlsx_rows(path: Path) -> list[list[str]]:
    """Every non-empty row of every sheet, cells as the PDF prints them (whole numbers without «.0»)."""
    rows = []
    for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells = [
                "" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in row
            ]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                rows.append(cells)
    return rows


def day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d.%m.%Y").date()


def moment(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%d.%m.%Y %H:%M")


def comma(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def period(name: str) -> dict[str, str]:
    return next(p for p in raw("periods") if p["period_name"] == name)


def full_names() -> dict[str, str]:
    return {
        p["pupil_id"]: " ".join(x for x in (p["last_name"], p["first_name"], p["middle_name"]) if x)
        for p in raw("pupils")
    }


def teacher_short_names() -> dict[str, str]:
    """«Смирнова О. П.» as the teacher's surname and initials."""
    return {
        t["teacher_id"]: " ".join([t["last_name"], *(f"{x[0]}." for x in (t["first_name"], t["middle_name"]) if x)])
        for t in raw("teachers")
    }


def numeric_parts(value: str) -> list[int]:
    """«4/5» → [4, 5]; «5» → [5]; «зач», «К» → []."""
    parts = value.split("/")
    return [int(p) for p in parts] if all(p.strip().isdigit() for p in parts) else []


def xlsx_sections(path: Path) -> dict[str, list[list[str]]]:
    """Section title (third row of each sheet) → the rows under the header, cells as in xlsx_rows."""
    result = {}
    for sheet in openpyxl.load_workbook(path, read_only=True).worksheets:
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        result[rows[2][0]] = rows[5:]
    return result
