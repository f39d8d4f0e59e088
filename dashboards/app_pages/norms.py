"""«Нормы школы»: the norms every check uses, with their sources; the deputy director and the
administrator change them here (validated, saved atomically, audited)."""

from __future__ import annotations

from dataclasses import fields

import streamlit as st

from dashboards.auth import audit
from dashboards.data import current_viewer
from dashboards.navigation import require
from dashboards.text import as_text
from ejournal.settings import NORM_SECTIONS, editable_norms_file, environment, load_norms, norms_from_dict, save_norms

PAGE = "app_pages/norms.py"
viewer = current_viewer()
require(viewer, PAGE)
st.title("Нормы школы")
current = load_norms()
st.caption(
    f"Файл норм: `{environment().norms_file}`. Изменения сохраняются в `{editable_norms_file()}` и сразу "
    "применяются на страницах контроля; значения по умолчанию — из shared/DOMAIN.md."
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


with st.form("norms_form"):
    values: dict[str, dict] = {}
    for section, (title, cls) in NORM_SECTIONS.items():
        st.subheader(title)
        group = getattr(current, section)
        values[section] = {}
        for spec in fields(cls):
            value = getattr(group, spec.name)
            label = f"{spec.metadata['doc']}"
            help_text = f"`{section}.{spec.name}` · источник: {spec.metadata['source']}"
            key = f"norm_{section}_{spec.name}"
            choices = spec.metadata.get("choices")
            if isinstance(value, bool):
                values[section][spec.name] = st.checkbox(label, value, help=help_text, key=key)
            elif choices:
                values[section][spec.name] = st.selectbox(
                    label, choices, index=list(choices).index(value), help=help_text, key=key
                )
            elif isinstance(value, int):
                values[section][spec.name] = int(
                    st.number_input(label, min_value=0, value=value, step=1, help=help_text, key=key)
                )
            elif isinstance(value, float):
                values[section][spec.name] = float(
                    st.number_input(
                        label, min_value=0.0, value=value, step=0.01, format="%.2f", help=help_text, key=key
                    )
                )
            elif isinstance(value, dict):
                text = st.text_area(
                    label,
                    "\n".join(f"{k} = {str(v).replace('.', ',')}" for k, v in value.items()),
                    help=help_text + " · по одному на строке: «название = вес»",
                    key=key,
                )
                values[section][spec.name] = _weights(text)
            elif isinstance(value, tuple):
                text = st.text_area(label, "\n".join(value), help=help_text + " · по одному на строке", key=key)
                values[section][spec.name] = tuple(line.strip() for line in text.splitlines() if line.strip())
            else:
                values[section][spec.name] = st.text_input(label, value, help=help_text, key=key)
    submitted = st.form_submit_button("Сохранить нормы", type="primary")

if submitted:
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
            st.error(f"Нормы не сохранены: {as_text(error)}")
        else:
            audit("norms_changed", viewer, "norms.toml", changed=sorted(changed))
            st.success("Сохранено: " + "; ".join(f"{k}: {old} → {new}" for k, (old, new) in changed.items()))
