"""The norms as people read them: each source by the title of a document, values with their units,
and the «не тема» rule as a list of words and phrases (stored, as before, as a regular expression)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The model local acts the default norms come from (shared/seeds/README.md says which is which), by
# their code in a norm's source («000 §4.6.5»): the one place that turns a code into a title.
SOURCE_DOCUMENTS = {
    "000": "Положение о ведении электронного журнала (локальный акт школы)",
    "001": "Положение о ведении электронных журналов успеваемости и дневников (локальный акт школы)",
    "002": "Положение о ведении электронного журнала и электронного дневника (локальный акт школы)",
    "003": "Приказ о переходе на электронный учёт успеваемости (локальный акт школы)",
    "004": "Порядок ведения электронного журнала и электронного дневника (локальный акт школы)",
}
_SEED_SOURCE = re.compile(r"^(\d{3}),?\s*(.*)$")


def source_title(source: str) -> str:
    """«000 §4.4.1; 004 §8, §12» → «Положение … (локальный акт школы), п. 4.4.1; Порядок …, п. 8, 12»;
    a source that is not a seed code is already a title and is returned as it is."""
    return "; ".join(_source_part_title(part.strip()) for part in source.split(";"))


def _source_part_title(part: str) -> str:
    found = _SEED_SOURCE.match(part)
    if not found or found.group(1) not in SOURCE_DOCUMENTS:
        return part
    code, clauses = found.groups()
    if not clauses:
        return SOURCE_DOCUMENTS[code]
    where = re.sub(r"§\s*", "", clauses)
    return f"{SOURCE_DOCUMENTS[code]}, {'п. ' if clauses.startswith('§') else ''}{where}"


@dataclass(frozen=True)
class Unit:
    """How a number of a norm is named: the label's tail («в днях») and the word's forms for 1, 2, 5."""

    label: str
    forms: tuple[str, str, str] = ("", "", "")


UNITS = {
    "days": Unit("в днях", ("день", "дня", "дней")),
    "hours": Unit("в часах", ("час", "часа", "часов")),
    "clock": Unit("час дня, от 0 до 23"),
    "grade": Unit("номер класса"),
    "marks": Unit("число отметок", ("отметка", "отметки", "отметок")),
    "rows": Unit("число строк", ("строка", "строки", "строк")),
    "participants": Unit("число участников", ("участник", "участника", "участников")),
    "points": Unit("в баллах", ("балл", "балла", "баллов")),
    "times": Unit("во сколько раз", ("раз", "раза", "раз")),
    "share": Unit("доля: 0,10 — это 10 %"),
}


def number_text(value: float) -> str:
    """2 → «2», 0.65 → «0,65» (a whole float without its «.0»)."""
    return f"{value:g}".replace(".", ",")


def plural(value: float, forms: tuple[str, str, str]) -> str:
    """The form of the word after the number: 1 день, 2 дня, 5 дней, 1,5 дня."""
    if value != int(value):
        return forms[1]
    n = abs(int(value)) % 100
    if 11 <= n <= 14:
        return forms[2]
    return forms[0] if n % 10 == 1 else forms[1] if 2 <= n % 10 <= 4 else forms[2]


def unit_text(value: float, unit: str) -> str:
    """A number with its unit: «2 дня», «18:00», «10 %», «2-й класс»."""
    if unit == "clock":
        return f"{int(value)}:00"
    if unit == "share":
        return f"{number_text(round(value * 100, 6))} %"
    if unit == "grade":
        return f"{int(value)}-й класс"
    return f"{number_text(value)} {plural(value, UNITS[unit].forms)}".strip()


def value_text(name: str, metadata: dict, value: object) -> str:
    """A norm's value as the page says it: a choice by its title, a number with its unit, a list of
    words for the «не тема» rule, «да»/«нет»."""
    titles = metadata.get("choice_titles")
    if titles and value in titles:
        return titles[value]
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int | float):
        return unit_text(value, metadata["unit"]) if metadata.get("unit") else number_text(value)
    if isinstance(value, dict):
        return "; ".join(f"{k} — {number_text(v)}" for k, v in value.items())
    if isinstance(value, tuple | list):
        return "; ".join(map(str, value))
    if name.endswith("_pattern"):
        words = words_from_pattern(str(value))
        return words.text() if words else "особое правило из файла норм"
    return str(value)


# --- «не тема»: words and phrases ↔ the stored regular expression --------------------------------

ANY_NUMBER = "№ …"
DASHES_TITLE = "только прочерки и точки («—», «-», «...»)"
_HEAD = r"(?i)^\s*("
_TAIL = r")\s*\.?\s*$"
_DASHES = "[-—.]+"
_NUMBER = r"\s*№\s*\d+"
_OPTIONAL_NUMBER = rf"({_NUMBER})?"
_SPECIAL = frozenset("\\.^$|?*+()[]{}")


@dataclass(frozen=True)
class TopicWords:
    """What is not a lesson topic: whole records (case does not matter, a final dot is allowed), a
    phrase ending in «№ …» with any number after it, and, if set, records of dashes and dots only."""

    phrases: tuple[str, ...]
    dashes_only: bool = True

    def text(self) -> str:
        return "; ".join(f"«{p}»" for p in self.phrases) + (f"; {DASHES_TITLE}" if self.dashes_only else "")


def pattern_from_words(words: TopicWords) -> str:
    """The regular expression the control rule runs (DuckDB's RE2 and Python's re read it alike)."""
    parts = [_phrase_pattern(p) for p in _clean(words.phrases)] + ([_DASHES] if words.dashes_only else [])
    if not parts:
        raise ValueError("Список «не тема» пуст: укажите хотя бы одну запись или отметьте прочерки и точки")
    return _HEAD + "|".join(parts) + _TAIL


def words_from_pattern(pattern: str) -> TopicWords | None:
    """The words of a pattern this module writes (or of the original default); None for a regular
    expression written by hand in the norms file, which the page then leaves as it is."""
    if not (pattern.startswith(_HEAD) and pattern.endswith(_TAIL)):
        return None
    phrases: list[str] = []
    dashes = False
    for part in _alternatives(pattern[len(_HEAD) : -len(_TAIL)]):
        if part is None:
            return None
        if part == _DASHES:
            dashes = True
            continue
        found = _part_phrases(part)
        if found is None:
            return None
        phrases += found
    return TopicWords(tuple(phrases), dashes)


def words_from_text(text: str, dashes_only: bool) -> TopicWords:
    """One phrase a line, as typed on the page."""
    return TopicWords(tuple(_clean(text.splitlines())), dashes_only)


def _clean(phrases) -> list[str]:
    return [" ".join(p.split()) for p in phrases if p.strip()]


def _phrase_pattern(phrase: str) -> str:
    if phrase.endswith(ANY_NUMBER):
        return _escaped(phrase[: -len(ANY_NUMBER)].rstrip()) + _NUMBER
    return _escaped(phrase)


def _escaped(text: str) -> str:
    return "".join("\\" + char if char in _SPECIAL else char for char in text)


def _part_phrases(part: str) -> list[str] | None:
    if part.endswith(_OPTIONAL_NUMBER):
        base = _literal(part[: -len(_OPTIONAL_NUMBER)])
        return None if base is None else [base, f"{base} {ANY_NUMBER}"]
    if part.endswith(_NUMBER):
        base = _literal(part[: -len(_NUMBER)])
        return None if base is None else [f"{base} {ANY_NUMBER}"]
    literal = _literal(part)
    return None if literal is None else [literal]


def _literal(part: str) -> str | None:
    """The text a piece of pattern matches when it is plain text with escaped specials, else None."""
    out: list[str] = []
    chars = iter(part)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped not in _SPECIAL:
                return None
            out.append(escaped)
        elif char in _SPECIAL:
            return None
        else:
            out.append(char)
    return "".join(out) if out else None


def _alternatives(body: str) -> list[str | None]:
    """`body` split at its top-level «|» (None for a piece with an unbalanced bracket)."""
    parts, depth, start, escaped = [], 0, 0, False
    for i, char in enumerate(body):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts if depth == 0 else [None]
