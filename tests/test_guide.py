"""The user guide (docs/guide/) against the code: each role's guide names every page that role gets,
its screenshots are named `img/<role>-<page url>.png` after a page that role gets, and every relative
link leads to a file that exists. Plain text reading, no browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboards.navigation import PAGES, page_files_for, page_urls
from ejournal.access.accounts import Role
from tests.dashboards.guide_shots import IMAGE, IMAGE_NAME

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide"
GUIDES: dict[Role, str] = {
    Role.DEPUTY: "zavuch.md",
    Role.CLASS_TEACHER: "class_teacher.md",
    Role.TEACHER: "teacher.md",
    Role.DIRECTOR: "director.md",
    Role.PARENT_COUNCIL: "parent_council.md",
    Role.ADMIN: "admin.md",
    Role.REGION: "region.md",
}
MAX_IMAGES_PER_GUIDE = 3
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _text(name: str) -> str:
    return (GUIDE / name).read_text(encoding="utf-8")


def _guide_files() -> list[Path]:
    return sorted(GUIDE.glob("*.md"))


def test_every_role_has_a_guide_and_the_overview_links_to_each():
    assert set(GUIDES) == set(Role)
    overview = _text("README.md")
    assert [name for name in GUIDES.values() if f"]({name})" not in overview] == []


@pytest.mark.parametrize("role", list(GUIDES), ids=str)
def test_the_guide_names_every_page_of_its_role_as_the_menu_does(role):
    text = _text(GUIDES[role])
    titles = [PAGES[file][0] for file in page_files_for(role)]
    assert titles, f"no pages for {role}"
    assert [title for title in titles if f"«{title}»" not in text] == []


def _image_references() -> list[tuple[str, str, str]]:
    """(guide file name, alt text, target) of every image in the guide."""
    return [(path.name, alt, target) for path in _guide_files() for alt, target in IMAGE.findall(path.read_text())]


def test_screenshots_are_named_after_a_role_and_a_page_that_role_gets():
    references = _image_references()
    assert references, "the guide shows no screenshot at all"
    urls = {url: file for file, (_, _, url, _) in PAGES.items()}
    assert set(urls) == set(page_urls())
    guide_roles = {name: role for role, name in GUIDES.items()}
    wrong = []
    for guide, alt, target in references:
        match = IMAGE_NAME.fullmatch(target)
        if match is None or match["role"] not in set(Role) or match["url"] not in urls:
            wrong.append((guide, target, "not img/<role>-<page url>.png"))
            continue
        role = Role(match["role"])
        if role not in PAGES[urls[match["url"]]][3]:
            wrong.append((guide, target, "the role does not get this page"))
        if guide in guide_roles and guide_roles[guide] is not role:
            wrong.append((guide, target, "another role's screenshot"))
        if not CYRILLIC.search(alt):
            wrong.append((guide, target, "no Russian alt text"))
    assert wrong == []


def test_each_guide_shows_a_few_screenshots_at_most():
    per_guide: dict[str, int] = {}
    for guide, _, _ in _image_references():
        per_guide[guide] = per_guide.get(guide, 0) + 1
    assert {guide: n for guide, n in per_guide.items() if n > MAX_IMAGES_PER_GUIDE} == {}


def test_every_screenshot_is_in_the_repository():
    """The pictures the guides show are committed (`make guide` makes them in the browser test)."""
    missing = [(guide, target) for guide, _, target in _image_references() if not (GUIDE / target).is_file()]
    assert missing == []


def test_every_relative_link_leads_to_an_existing_file():
    links = [(path.name, target) for path in _guide_files() for target in LINK.findall(path.read_text())]
    assert len(links) > len(GUIDES), "the link reader finds the guide's links"
    broken = [
        (guide, target)
        for guide, target in links
        if not re.match(r"[a-z]+:", target)
        and not target.startswith("#")
        and not (GUIDE / target.split("#")[0]).exists()
    ]
    assert broken == []


@pytest.mark.parametrize("readme", ["README.md", "docs/README.md"])
def test_the_documentation_lists_name_the_guide(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    assert "guide/README.md" in text
