"""Streamlit's page in Russian whatever the browser's own language.

Streamlit's frontend takes the formats of numbers (``format="localized"``), dates and the date
picker's calendar (month names, the first day of the week) from ``navigator.language`` and
``navigator.languages``: an English browser shows «3.5», «October» and weeks from Sunday. The
middleware `RussianPage` serves the app's HTML page with ``<html lang="ru">`` and a first script
that gives the page the browser language ru-RU before Streamlit's scripts run, so that every
viewer sees «3,5», «октябрь» and weeks from Monday.
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders

LANGUAGES = ("ru-RU", "ru")
# Runs before Streamlit's module scripts: what the page reads as the browser's languages.
LOCALE_SCRIPT = (
    "<script>(() => {"
    f" const languages = Object.freeze({json.dumps(list(LANGUAGES))});"
    ' Object.defineProperty(Navigator.prototype, "language", {get: () => languages[0], configurable: true});'
    ' Object.defineProperty(Navigator.prototype, "languages", {get: () => languages, configurable: true});'
    " })();</script>"
)
ENGLISH_ROOT = b'<html lang="en">'
RUSSIAN_ROOT = f'<html lang="ru">\n{LOCALE_SCRIPT}'.encode()
# Request headers that could make the page come back compressed or as «not modified».
DROPPED_HEADERS = (b"accept-encoding", b"if-none-match", b"if-modified-since")


def russian_page(document: bytes) -> bytes:
    """Streamlit's HTML page with the Russian language and script; any other document unchanged."""
    return document.replace(ENGLISH_ROOT, RUSSIAN_ROOT, 1)


def is_page_request(scope) -> bool:
    """A GET of an address that Streamlit answers with its HTML page (not a file, API or websocket)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    path = scope.get("path", "")
    last = path.rsplit("/", 1)[-1]
    return not path.startswith(("/_stcore/", "/static/", "/component/", "/media/")) and (
        "." not in last or last == "index.html"
    )


class RussianPage:
    """Around Streamlit: its HTML page gets the Russian language (`russian_page`)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if not is_page_request(scope):
            await self.app(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope["headers"] if name not in DROPPED_HEADERS]
        start: dict = {}
        body: list[bytes] = []

        async def rewrite(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            document = b"".join(body)
            response_headers = MutableHeaders(raw=list(start.get("headers", [])))
            if response_headers.get("content-type", "").startswith("text/html"):
                document = russian_page(document)
                response_headers["content-length"] = str(len(document))
            await send({**start, "headers": response_headers.raw})
            await send({"type": "http.response.body", "body": document})

        # the page's body must come as messages (not as a file path the server sends itself)
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        await self.app({**scope, "headers": headers, "extensions": extensions}, receive, rewrite)
