"""Screenshots of the user guide (docs/guide/), made by the browser test that opens every page of
every role (`test_locale_browser.py`): a page is shot when a guide shows it as
`img/<role>-<page url>.png`. They go to $EJOURNAL_GUIDE_SHOTS when set (`make guide` sets
docs/guide/img), otherwise under test-output/guide/."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
SHOTS_ENV = "EJOURNAL_GUIDE_SHOTS"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
IMAGE_NAME = re.compile(r"img/(?P<role>[a-z_]+)-(?P<url>[a-z-]+)\.png")
# Streamlit shows grey placeholders where an element is still coming: a shot waits until none is left
NOTHING_PENDING = """() => !document.querySelector('[data-testid^="stSkeleton"], [data-testid="stStatusWidget"]')"""


def wanted() -> set[tuple[str, str]]:
    """(role, page url) of every screenshot the guides show."""
    found = set()
    for path in GUIDE.glob("*.md"):
        for _, target in IMAGE.findall(path.read_text(encoding="utf-8")):
            if name := IMAGE_NAME.fullmatch(target):
                found.add((name["role"], name["url"]))
    return found


def folder() -> Path:
    chosen = os.environ.get(SHOTS_ENV)
    return Path(chosen) if chosen else ROOT / "test-output" / "guide"


def take(page, role: str, url: str) -> Path | None:
    """Shoot the page (its first screen, as a reader sees it) if a guide shows it; its path."""
    if (role, url) not in wanted():
        return None
    target = folder() / f"{role}-{url}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(NOTHING_PENDING, timeout=60_000)
    # charts and grids fade in after the script is done: a picture for the guide waits them out, a
    # test run only checks that the page was shot
    page.wait_for_timeout(3000 if os.environ.get(SHOTS_ENV) else 300)
    page.screenshot(path=str(target), full_page=False)
    return target


def inked(path: Path) -> bool:
    """The screenshot shows a page, not a blank or one-colour screen (many shades of grey)."""
    from PIL import Image

    with Image.open(path) as image:
        shades = image.convert("L").getcolors(maxcolors=1 << 16)
    return shades is None or len(shades) > 20
