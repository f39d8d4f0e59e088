"""Which pages each role gets (the one place that says so)."""

from __future__ import annotations

import streamlit as st

from ejournal.access.accounts import Role
from ejournal.access.viewer import Viewer

# page file → (title, icon, url, roles)
PAGES: dict[str, tuple[str, str, str, frozenset[Role]]] = {
    "app_pages/control_overview.py": (
        "Обзор",
        ":material/dashboard:",
        "overview",
        frozenset({Role.DEPUTY}),
    ),
    "app_pages/completeness.py": (
        "Наполняемость",
        ":material/grid_on:",
        "completeness",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER, Role.TEACHER}),
    ),
    "app_pages/timeliness.py": (
        "Своевременность",
        ":material/schedule:",
        "timeliness",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER, Role.TEACHER}),
    ),
    "app_pages/teacher_activity.py": (
        "Активность учителей",
        ":material/person_check:",
        "teacher-activity",
        frozenset({Role.DEPUTY}),
    ),
    "app_pages/program.py": (
        "Выполнение программы",
        ":material/checklist:",
        "program",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER, Role.TEACHER}),
    ),
    "app_pages/attendance.py": (
        "Посещаемость",
        ":material/event_busy:",
        "attendance",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER}),
    ),
    "app_pages/class_progress.py": (
        "Успеваемость класса",
        ":material/school:",
        "class-progress",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER, Role.TEACHER}),
    ),
    "app_pages/reports.py": (
        "Отчёты",
        ":material/description:",
        "reports",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER}),
    ),
    "app_pages/school_summary.py": (
        "Сводка по школе",
        ":material/bar_chart:",
        "school-summary",
        frozenset({Role.DIRECTOR, Role.DEPUTY, Role.PARENT_COUNCIL}),
    ),
    "app_pages/director.py": (
        "Директор",
        ":material/insights:",
        "director",
        frozenset({Role.DIRECTOR, Role.DEPUTY, Role.PARENT_COUNCIL}),
    ),
    "app_pages/objectivity.py": (
        "Объективность отметок",
        ":material/balance:",
        "objectivity",
        frozenset({Role.DEPUTY}),
    ),
    "app_pages/vpr.py": (
        "ВПР и журнал",
        ":material/fact_check:",
        "vpr",
        frozenset({Role.DEPUTY, Role.DIRECTOR, Role.PARENT_COUNCIL}),
    ),
    "app_pages/region.py": (
        "Муниципалитет / регион",
        ":material/map:",
        "region",
        frozenset({Role.DIRECTOR, Role.DEPUTY, Role.REGION}),
    ),
    "app_pages/forecast.py": (
        "Прогноз итогов периода",
        ":material/trending_up:",
        "forecast",
        frozenset({Role.DEPUTY, Role.CLASS_TEACHER, Role.DIRECTOR, Role.PARENT_COUNCIL}),
    ),
    "app_pages/loaded.py": (
        "Что загружено",
        ":material/database:",
        "loaded",
        frozenset({Role.ADMIN, Role.DIRECTOR, Role.DEPUTY}),
    ),
    "app_pages/upload.py": (
        "Загрузка данных",
        ":material/upload_file:",
        "upload",
        frozenset({Role.ADMIN, Role.DEPUTY}),
    ),
    "app_pages/admin.py": (
        "Пользователи и журнал действий",
        ":material/admin_panel_settings:",
        "admin",
        frozenset({Role.ADMIN}),
    ),
    "app_pages/norms.py": (
        "Нормы школы",
        ":material/tune:",
        "norms",
        frozenset({Role.DEPUTY, Role.ADMIN}),
    ),
    "app_pages/account.py": ("Смена пароля", ":material/key:", "account", frozenset(Role)),
}


def page_urls() -> list[str]:
    """The address (url_path) of every page of the panel, whoever gets it."""
    return [url for _, _, url, _ in PAGES.values()]


def page_files_for(role: Role) -> list[str]:
    return [file for file, (_, _, _, roles) in PAGES.items() if role in roles]


# Sections of the navigation, in order; every page file is in exactly one (a test checks).
SECTIONS: dict[str, tuple[str, ...]] = {
    "Контроль журнала": (
        "app_pages/control_overview.py",
        "app_pages/completeness.py",
        "app_pages/timeliness.py",
        "app_pages/teacher_activity.py",
        "app_pages/program.py",
        "app_pages/attendance.py",
    ),
    "Успеваемость и отчёты": (
        "app_pages/class_progress.py",
        "app_pages/reports.py",
        "app_pages/school_summary.py",
        "app_pages/director.py",
        "app_pages/region.py",
    ),
    "Объективность и прогноз": ("app_pages/objectivity.py", "app_pages/vpr.py", "app_pages/forecast.py"),
    "Настройки": (
        "app_pages/norms.py",
        "app_pages/upload.py",
        "app_pages/loaded.py",
        "app_pages/admin.py",
        "app_pages/account.py",
    ),
}


def pages_for(viewer: Viewer) -> dict[str, list]:
    """The role's pages by section (empty sections left out), for st.navigation."""
    allowed = set(page_files_for(viewer.role))
    sections = {
        title: [
            st.Page(file, title=PAGES[file][0], icon=PAGES[file][1], url_path=PAGES[file][2])
            for file in files
            if file in allowed
        ]
        for title, files in SECTIONS.items()
    }
    return {title: pages for title, pages in sections.items() if pages}


def require(viewer: Viewer, page_file: str) -> None:
    """Stop a page that the viewer's role may not open (defence in depth behind the navigation)."""
    if viewer.role not in PAGES[page_file][3]:
        st.error("Эта страница недоступна для вашей роли.")
        st.stop()
