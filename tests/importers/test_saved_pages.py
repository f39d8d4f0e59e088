"""Journal pages saved «Веб-страница, один файл» (MHTML), as Chrome, Edge and Yandex Browser save
them: the ELSCHOOL «Табель» and a «Сетевой город» report load exactly as the same pages saved as
HTML, and are named as the school saved them («табель.mhtml»). The MHTML is written here the way
Chrome writes it (a multipart/related message «Saved by Blink», the page quoted-printable, its
styles after it); the pages inside are the real anonymised fixtures of the two importers' tests."""

from __future__ import annotations

import base64
import quopri
import shutil
from pathlib import Path

import pytest

from tests.importers.figures import load_source, table_counts, warehouse_figures

ELSCHOOL = Path(__file__).parent / "elschool" / "fixtures" / "elschool_test.html"
SGO = Path(__file__).parent / "netschool" / "fixtures" / "netschool_report_studenttotal.html"
SGO_CP1251 = Path(__file__).parent / "netschool" / "fixtures" / "netschool_report_cp1251.html"
BOUNDARY = "----MultipartBoundary--Xq9yM2fz8cTnQpZk1LrW3sHd0vBjEaGu----"


def as_mhtml(html: bytes, *, charset: str | None = None, transfer: str = "quoted-printable") -> bytes:
    """A page as a browser saves it in one file. Chrome writes «Content-Type: text/html» without a
    charset (the page's own <meta> says it) and the page quoted-printable."""
    content_type = "text/html" + (f'; charset="{charset}"' if charset else "")
    body = quopri.encodestring(html) if transfer == "quoted-printable" else base64.encodebytes(html)
    head = (
        "From: <Saved by Blink>\r\n"
        "Snapshot-Content-Location: https://journal.example/page\r\n"
        "Subject: =?utf-8?Q?=D0=A2=D0=B0=D0=B1=D0=B5=D0=BB=D1=8C?=\r\n"
        "Date: Sat, 6 Dec 2026 10:00:00 +0300\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{BOUNDARY}"\r\n\r\n\r\n'
        f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-ID: <frame-1@mhtml.blink>\r\n"
        f"Content-Transfer-Encoding: {transfer}\r\nContent-Location: https://journal.example/page\r\n\r\n"
    )
    styles = (
        f"\r\n--{BOUNDARY}\r\nContent-Type: text/css\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        f"Content-Location: cid:css-1@mhtml.blink\r\n\r\nbody {{ margin: 0; }}\r\n--{BOUNDARY}--\r\n"
    )
    return head.encode() + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + styles.encode()


@pytest.mark.parametrize(
    ("charset", "transfer"), [(None, "quoted-printable"), ("utf-8", "quoted-printable"), (None, "base64")]
)
def test_an_elschool_page_saved_in_one_file_loads_as_the_page(tmp_path, charset, transfer):
    saved = tmp_path / "saved" / "табель.mhtml"
    saved.parent.mkdir()
    saved.write_bytes(as_mhtml(ELSCHOOL.read_bytes(), charset=charset, transfer=transfer))
    want = load_source(ELSCHOOL, tmp_path / "html.duckdb", class_name="7А").results[0]
    found = load_source(saved, tmp_path / "mhtml.duckdb", class_name="7А")
    got = found.results[0]
    assert (found.source, want.status, got.status) == ("elschool", "loaded", "loaded"), got.issues
    figures = warehouse_figures(tmp_path / "mhtml.duckdb")
    assert figures == warehouse_figures(tmp_path / "html.duckdb")
    assert sum(figures["marks_per_pupil"].values()) == 91  # the page's marks (tests/importers/elschool)
    assert {w.file_name for w in got.warnings} == {"табель.mhtml"}
    assert got.source_path == saved


def test_sgo_reports_saved_in_one_file_load_as_the_pages_in_a_folder(tmp_path):
    """Two reports in a folder and its subfolder, one of them in Windows-1251, both as MHTML."""
    pages, saved = tmp_path / "pages", tmp_path / "saved"
    for folder in (pages / "7А", saved / "7А"):
        folder.mkdir(parents=True)
    shutil.copy(SGO, pages / SGO.name)
    shutil.copy(SGO_CP1251, pages / "7А" / SGO_CP1251.name)
    (saved / "отчёт.mhtml").write_bytes(as_mhtml(SGO.read_bytes()))
    (saved / "7А" / "отчёт-1251.mht").write_bytes(as_mhtml(SGO_CP1251.read_bytes(), charset="windows-1251"))
    want = load_source(pages, tmp_path / "html.duckdb", class_name="7А")
    got = load_source(saved, tmp_path / "mhtml.duckdb", class_name="7А")
    assert (want.source, got.source) == ("netschool", "netschool")
    assert [r.status for r in got.results] == [r.status for r in want.results]
    assert warehouse_figures(tmp_path / "mhtml.duckdb") == warehouse_figures(tmp_path / "html.duckdb")
    assert table_counts(tmp_path / "mhtml.duckdb") == table_counts(tmp_path / "html.duckdb")


def test_a_saved_file_without_its_page_is_refused_naming_it(tmp_path):
    saved = tmp_path / "табель.mhtml"
    saved.write_bytes(as_mhtml(b"").replace(b"text/html", b"text/plain"))
    (result,) = load_source(saved, tmp_path / "w.duckdb", class_name="7А").results
    assert result.status == "refused"
    assert result.issues[0].file_name == "табель.mhtml"
    assert "нет самой страницы" in result.issues[0].message
    assert table_counts(tmp_path / "w.duckdb") == {}
