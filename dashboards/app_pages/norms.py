"""«Нормы школы»: the norms every check uses, with the documents they come from; the deputy director
and the administrator change them here (validated, saved atomically, audited). Everything is said in
words: choices by their titles, numbers with units, the «не тема» rule as a list of phrases."""

from __future__ import annotations

from dataclasses import Field, fields

import streamlit as st

from dashboards.auth import audit
from dashboards.data import current_viewer
from dashboards.navigation import require
from dashboards.text import as_text
from ejournal.norm_words import (
    ANY_NUMBER,
    DASHES_TITLE,
    UNITS,
    number_text,
    pattern_from_words,
    source_title,
    value_text,
    words_from_pattern,
    words_from_text,
)
from ejournal.settings import (
    DEFAULT_NORMS_FILE,
    NORM_SECTIONS,
    editable_norms_file,
    environment,
    load_norms,
    norms_from_dict,
    save_norms,
)

PAGE = "app_pages/norms.py"
viewer = current_viewer()
require(viewer, PAGE)
st.title("Нормы школы")
current = load_norms()
st.caption(
    ("Сейчас действуют значения по умолчанию. " if environment().norms_file == DEFAULT_NORMS_FILE else "")
    + "Изменения сохраняются как нормы школы и сразу применяются на страницах контроля. Значения по "
    "умолчанию взяты из образцов локальных актов о ведении электронного журнала; пункты указаны по "
    "этим образцам — сверьте их с положением своей школы."
)


def _weights(text: str) -> dict:
    """«Контрольная работа = 2» per line; a line that does not parse is kept as text for the check to name."""
    result: dict = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, weight = line.rpartition("=")
        try:
            result[name.strip() or line.strip()] = float(weight.strip().replace(",", "."))
        except ValueError:
            result[line.strip()] = weight.strip()
    return result


def _label(spec: Field) -> str:
    """The norm's description, with the unit its number is in."""
    unit = spec.metadata.get("unit")
    titled = spec.metadata.get("choice_titles")
    return f"{spec.metadata['doc']} ({UNITS[unit].label})" if unit and not titled else spec.metadata["doc"]


def _topic_words_input(key: str, label: str, pattern: str) -> str:
    """The «не тема» rule as phrases, one a line, and a box for records of dashes and dots; a rule
    written by hand in the norms file is kept as it is (it is not a list of phrases). A list that
    cannot be a rule is named in `refusals` and the stored rule kept."""
    words = words_from_pattern(pattern)
    if words is None:
        st.markdown(f"**{label}**")
        st.info("Это правило задано в файле норм особым образом; на этой странице оно не меняется.")
        return pattern
    text = st.text_area(
        label,
        "\n".join(words.phrases),
        help=f"По одной записи на строке; регистр букв не важен, точка в конце допускается. «{ANY_NUMBER}» "
        "в конце — с любым номером, например «контрольная работа № 3».",
        key=key,
    )
    dashes = st.checkbox(f"Не тема и запись, в которой {DASHES_TITLE}", words.dashes_only, key=f"{key}_dashes")
    edited = words_from_text(text, dashes)
    if edited == words:
        return pattern
    try:
        return pattern_from_words(edited)
    except ValueError as error:
        refusals.append(as_text(error))
        return pattern


def _norm_input(section: str, spec: Field, value: object) -> object:
    """One norm's widget; returns the value as the norms file stores it."""
    label = _label(spec)
    key = f"norm_{section}_{spec.name}"
    choices = spec.metadata.get("choices")
    if isinstance(value, bool):
        return st.checkbox(label, value, key=key)
    if choices:
        titles = spec.metadata.get("choice_titles") or {}
        return st.selectbox(
            label, choices, index=list(choices).index(value), format_func=lambda c: titles.get(c, str(c)), key=key
        )
    if isinstance(value, int):
        return int(st.number_input(label, min_value=0, value=value, step=1, key=key))
    if isinstance(value, float):
        return float(st.number_input(label, min_value=0.0, value=value, step=0.01, format="%.2f", key=key))
    if isinstance(value, dict):
        text = st.text_area(
            label,
            "\n".join(f"{k} = {number_text(v)}" for k, v in value.items()),
            help="По одному на строке: «название = вес»",
            key=key,
        )
        return _weights(text)
    if isinstance(value, tuple):
        text = st.text_area(label, "\n".join(value), help="По одному на строке", key=key)
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    if spec.name.endswith("_pattern"):
        return _topic_words_input(key, label, str(value))
    return st.text_input(label, value, key=key)


def _specs() -> dict[str, Field]:
    return {f"{section}.{spec.name}": spec for section, (_, cls) in NORM_SECTIONS.items() for spec in fields(cls)}


def _changed_text(changed: dict[str, tuple[object, object]]) -> str:
    specs = _specs()
    return "; ".join(
        f"{specs[key].metadata['doc']}: {value_text(specs[key].name, specs[key].metadata, old)} → "
        f"{value_text(specs[key].name, specs[key].metadata, new)}"
        for key, (old, new) in changed.items()
    )


def _readable(error: Exception) -> str:
    """A refusal of the norms check with each «[раздел] ключ» replaced by the norm's description."""
    text = str(error).removeprefix("нормы: ")
    for key, spec in _specs().items():
        section, _ = key.split(".")
        text = text.replace(f"[{section}] {spec.name}", f"«{spec.metadata['doc']}»")
    return as_text(text)


refusals: list[str] = []
with st.form("norms_form"):
    values: dict[str, dict] = {}
    for section, (title, cls) in NORM_SECTIONS.items():
        st.subheader(title)
        group = getattr(current, section)
        values[section] = {}
        for spec in fields(cls):
            values[section][spec.name] = _norm_input(section, spec, getattr(group, spec.name))
            st.caption(f"Источник: {source_title(spec.metadata['source'])}")
    submitted = st.form_submit_button("Сохранить нормы", type="primary")

if submitted and refusals:
    st.error("Нормы не сохранены: " + "; ".join(refusals))
elif submitted:
    changed = {
        f"{section}.{name}": (getattr(getattr(current, section), name), value)
        for section, group in values.items()
        for name, value in group.items()
        if getattr(getattr(current, section), name) != value
    }
    if not changed:
        st.info("Нормы не изменились.")
    else:
        try:
            updated = norms_from_dict(
                {
                    s: {k: list(v) if isinstance(v, tuple) else v for k, v in group.items()}
                    for s, group in values.items()
                },
                "нормы",
            )
            save_norms(updated, editable_norms_file())
        except (ValueError, OSError) as error:
            st.error(f"Нормы не сохранены: {_readable(error)}")
        else:
            audit("norms_changed", viewer, "norms.toml", changed=sorted(changed))
            st.success("Сохранено: " + _changed_text(changed))
