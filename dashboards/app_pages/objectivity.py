"""«Объективность отметок»: finals against the weighted average, finals without a control work,
padding before the period end, and teachers whose marks differ from the parallel; drill-down from
school to teacher, class and pupil."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards.auth import audit, download_button
from dashboards.data import current_viewer, warehouse
from dashboards.forecast_data import norms
from dashboards.formats import data_table, number_text
from dashboards.navigation import require
from ejournal.formatting import decimal
from ejournal.xlsx import frame_to_xlsx
from warehouse.objectivity import FLAG_TITLES, final_marks, padding
from warehouse.teacher_marks import teacher_comparisons

ALL = "все"

viewer = current_viewer()
require(viewer, "app_pages/objectivity.py")
settings = norms()
st.title("Объективность отметок")
st.caption(
    "Отметка за период сравнивается с средневзвешенным баллом текущих отметок по правилу округления школы "
    f"(≥ {decimal(4 + settings.rounding_threshold, 2)} → 5, ≥ {decimal(3 + settings.rounding_threshold, 2)} → 4, "
    f"≥ {decimal(2 + settings.rounding_threshold, 2)} → 3). Положение 000 §4.6.5, §5.1–5.2, §6.2."
)

with warehouse() as con:
    finals = final_marks(con, viewer, settings)
    pads = padding(con, viewer, settings)
if finals.is_empty():
    st.info("Отметок за период пока нет.")
    st.stop()

flagged = finals.filter(pl.col("is_raised") | pl.col("is_lowered") | pl.col("is_without_control"))
tab_finals, tab_padding, tab_teachers = st.tabs(["Итоговые отметки", "Накопление в конце периода", "Учителя"])

with tab_finals:
    by_teacher = (
        finals.group_by("teacher_name")
        .agg(
            pl.len().alias("Отметок за период"),
            pl.col("is_raised").sum().alias("Завышено"),
            pl.col("is_lowered").sum().alias("Занижено"),
            pl.col("is_without_control").sum().alias("Без контрольной"),
        )
        .sort("teacher_name")
        .rename({"teacher_name": "Учитель"})
    )
    st.subheader("По учителям")
    data_table(by_teacher)
    teachers = [ALL, *sorted(flagged["teacher_name"].drop_nulls().unique().to_list())]
    teacher = st.selectbox("Учитель", teachers, key="objectivity_teacher")
    rows = flagged if teacher == ALL else flagged.filter(pl.col("teacher_name") == teacher)
    classes = [ALL, *sorted(rows["class_name"].drop_nulls().unique().to_list())]
    class_name = st.selectbox("Класс", classes, key="objectivity_class")
    rows = rows if class_name == ALL else rows.filter(pl.col("class_name") == class_name)
    table = rows.select(
        pl.col("full_name").alias("Ученик"),
        pl.col("class_name").alias("Класс"),
        pl.col("subject_name").alias("Предмет"),
        pl.col("period_name").alias("Период"),
        pl.col("teacher_name").alias("Учитель"),
        pl.col("mark_value").alias("Отметка за период"),
        pl.col("weighted_average").round(2).alias("Средневзвешенный"),
        pl.col("rule_mark").alias("По правилу"),
        pl.col("n_marks").alias("Отметок"),
        pl.col("n_control_marks").alias("За контрольные"),
        pl.concat_str(
            pl.when(pl.col("is_raised")).then(pl.lit("завышена")),
            pl.when(pl.col("is_lowered")).then(pl.lit("занижена")),
            pl.when(pl.col("is_without_control")).then(pl.lit("без отметки за контрольную")),
            separator="; ",
            ignore_nulls=True,
        ).alias("Признак"),
    )
    st.subheader(f"Отметки с признаками: {table.height}")
    data_table(table, first=("Признак",))
    download_button(
        viewer,
        "Скачать XLSX",
        frame_to_xlsx(table, "Итоговые отметки"),
        "объективность-итоговых.xlsx",
        key="objectivity_download_finals",
        audit_object="objectivity_finals.xlsx",
        n_rows=table.height,
    )

with tab_padding:
    st.caption(
        f"{FLAG_TITLES['marks_padding_before_period_end']}: за последние {settings.padding_last_days} дн. периода "
        f"не меньше {settings.padding_min_marks} текущих отметок (кроме контрольных) и в "
        f"{number_text(settings.padding_ratio)} раза больше отметок на присутствующего ученика за урок, чем до этого."
    )
    pad_table = pads.sort("is_padding", descending=True).select(
        pl.col("teacher_name").alias("Учитель"),
        pl.col("class_name").alias("Класс"),
        pl.col("group_name").alias("Подгруппа"),
        pl.col("subject_name").alias("Предмет"),
        pl.col("period_name").alias("Период"),
        pl.col("n_marks_last").alias("Отметок в последние дни"),
        pl.col("rate_last").round(2).alias("На ученика за урок (последние дни)"),
        pl.col("rate_before").round(2).alias("На ученика за урок (ранее)"),
        pl.when(pl.col("is_padding")).then(pl.lit("накопление")).otherwise(pl.lit("")).alias("Признак"),
    )
    data_table(pad_table, first=("Признак",))
    download_button(
        viewer,
        "Скачать XLSX",
        frame_to_xlsx(pad_table, "Накопление"),
        "накопление-отметок.xlsx",
        key="objectivity_download_padding",
        audit_object="objectivity_padding.xlsx",
        n_rows=pad_table.height,
    )

with tab_teachers:
    st.caption(
        "Отметки за период каждого учителя сравниваются с отметками остальных учителей той же параллели и предмета "
        "за тот же период: доля «5» — z-тест двух долей, средний балл — z-тест средних (статистика Уэлча); "
        f"p-значения всех сравнений скорректированы методом Холма, уровень значимости {number_text(settings.teacher_alpha)}. "
        f"Группы меньше {settings.teacher_min_pupils} отметок не оцениваются."
    )
    compared = teacher_comparisons(finals, settings)
    if compared.is_empty():
        st.info("Нет параллелей, где предмет ведут два учителя и больше.")
    else:
        t_table = compared.sort("is_different", descending=True).select(
            pl.col("teacher_name").alias("Учитель"),
            pl.col("grade").alias("Параллель"),
            pl.col("subject_name").alias("Предмет"),
            pl.col("period_name").alias("Период"),
            pl.col("n").alias("Отметок у учителя"),
            pl.col("n_others").alias("У остальных"),
            (100 * pl.col("share5")).round(1).alias("Доля «5», %"),
            (100 * pl.col("share5_others")).round(1).alias("Доля «5» у остальных, %"),
            pl.col("mean").round(2).alias("Средний"),
            pl.col("mean_others").round(2).alias("Средний у остальных"),
            pl.col("p_share_holm").round(4).alias("p (доля «5», Холм)"),
            pl.col("p_mean_holm").round(4).alias("p (средний, Холм)"),
            pl.when(~pl.col("is_judged"))
            .then(pl.lit("не оценивается (мало отметок)"))
            .when(pl.col("is_different"))
            .then(pl.lit("резко отличается"))
            .otherwise(pl.lit("в пределах нормы"))
            .alias("Вывод"),
        )
        data_table(t_table, first=("Вывод",))
        download_button(
            viewer,
            "Скачать XLSX",
            frame_to_xlsx(t_table, "Учителя"),
            "распределение-отметок-учителей.xlsx",
            key="objectivity_download_teachers",
            audit_object="objectivity_teachers.xlsx",
            n_rows=t_table.height,
        )

audit("page_viewed", viewer, "objectivity", n_flagged=flagged.height)
