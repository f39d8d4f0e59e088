"""Pages saved as one file. Chrome, Edge and Yandex Browser save a page «Веб-страница, один файл»
as MHTML (`.mhtml`, `.mht`): a MIME message whose first HTML part is the page, the rest its images
and styles. A journal page saved so (an ELSCHOOL «Табель», a «Сетевой город» report) is the same
page: before the format is detected, each such file is replaced, in a scratch folder, by the HTML
it holds under its own name, and the importers read it as a page saved as HTML
(``reading.PAGE_SUFFIXES``); every message names «табель.mhtml» as the school saved it."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

from pipelines import guards, limits
from pipelines.issues import ExportRefused

SUFFIXES = (".mhtml", ".mht")


def is_saved_page(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and path.is_file()  # the name first: no file system call for others


def html_of(path: Path) -> bytes:
    """The page's HTML as its bytes (in the page's own encoding, as a page saved as HTML has it)."""
    if path.stat().st_size > limits.MAX_TEXT_BYTES:
        raise ExportRefused(
            path.name, None, None, f"файл больше {guards.megabytes(limits.MAX_TEXT_BYTES)}", rule="file_too_large"
        )
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)  # quoted-printable or base64 undone, bytes as saved
            if payload:
                return payload
    raise ExportRefused(
        path.name, None, None, "в файле веб-страницы (MHTML) нет самой страницы: сохраните её ещё раз или как HTML"
    )


def with_pages_as_html(data: Path, workdir: Path) -> Path:
    """``data`` (a file or a folder) with its saved pages' MIME undone, names kept: itself when it
    has none, else a copy under ``workdir``."""
    copy = workdir / data.name
    if data.is_file():
        if not is_saved_page(data):
            return data
        workdir.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(html_of(data))
        return copy
    pages = [p for p in sorted(data.rglob("*")) if is_saved_page(p)]
    if not pages:
        return data
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(data, copy, symlinks=True)  # the folder was checked: no link in it
    for page in pages:
        (copy / page.relative_to(data)).write_bytes(html_of(page))
    return copy
