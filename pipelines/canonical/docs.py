"""Render docs/canonical_export.md from the pandera models (the test fails when the file drifts).

Run `python -m pipelines.canonical.docs` after changing a model.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines import limits
from pipelines.canonical.schemas import FILES, columns_of
from pipelines.keys import NATURAL_KEYS, REFERENCES

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "canonical_export.md"

TYPE_NAMES = {
    "String": "текст",
    "Int64": "целое",
    "Float64": "число",
    "Boolean": "да/нет",
    "Date": "дата",
}

INTRO = """# Формат выгрузки (канонический) / The canonical export

Каждая система журнала («Сетевой город», ЭлЖур, Дневник.ру, МЭШ, …) отображается на эту
выгрузку; дальше конвейер видит только её. Выгрузка — папка (или архив `.zip`) с файлами ниже.
Имена в архиве читаются в той кодировке, в какой их записал архиватор: Проводник Windows пишет
русские имена в кодировке DOS (cp866) без пометки UTF-8, некоторые архиваторы — в Windows-1251,
macOS — в UTF-8 без пометки; папка «Выгрузка 7А» и книга «журнал.xlsx» так и называются в
сообщениях. Загрузка из архива записывается в хранилище (`meta_batch.source_path`) как путь
архива и папки в нём (`выгрузка.zip/Выгрузка 7А`), а не как временная папка распаковки.
Файл можно назвать по-английски (`marks.csv`) или по-русски (`отметки.csv`); формат — CSV, XLSX
или Parquet. Заголовки столбцов — английские или русские имена из таблиц.

- CSV: кодировка UTF-8 (с BOM или без) или Windows-1251; разделитель `;`, `,` или табуляция;
  кавычки `"`.
- Строка в сообщениях об ошибках — номер строки, как её показывает Excel (заголовок — 1), в файле
  любого формата: у файла Parquet первая запись — строка 2, как если бы та же таблица была CSV.
- Число, записанное как `nan` или `inf`, — не число: такая ячейка не читается.
- Даты: `ДД.ММ.ГГГГ` или `ГГГГ-ММ-ДД`, можно с нулевым временем, как пишут даты базы данных и Excel
  (`2025-09-01 00:00:00`, `01.09.2025 0:00`); дата и время: `ДД.ММ.ГГГГ ЧЧ:ММ[:СС]` или ISO.
- Коды из списка (`н`, `оп`, `м`, `н/а`, `quarter`, `ВПР` …) читаются в любом регистре («Н», «ОП», «Ж»,
  «впр») и хранятся так, как записаны в списке.
- Да/нет: `да`/`нет` (также `1`/`0`, `true`/`false`). Дробные числа — с точкой или запятой.
- Пустая ячейка — «нет значения». Обязательный столбец не может быть пустым.
- Файл `export.csv` описывает саму выгрузку (одна строка): школа, система, момент выгрузки и
  какие дни она покрывает. Более новая выгрузка замещает более старую по естественным ключам;
  урок загружается целиком, со всеми своими отметками и посещаемостью.
- Посещаемость можно передавать целиком (пустой код — присутствовал) или только пропуски:
  присутствие выводится из состава класса или подгруппы на дату урока.

Этот файл создаётся из моделей pandera в `pipelines/canonical/schemas.py`
(`python -m pipelines.canonical.docs`); тест сверяет его с моделями.
"""


def _type_name(dtype: object) -> str:
    text = str(dtype)
    return "дата и время" if text.startswith("Datetime") else TYPE_NAMES.get(text, text)


def _allowed(column) -> str:
    parts = []
    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            parts.append("одно из: " + ", ".join(f"`{v}`" for v in stats["allowed_values"]))
        elif check.name == "str_matches":
            parts.append(f"шаблон `{stats['pattern']}`".replace("|", "\\|"))
        elif check.name in ("greater_than", "greater_than_or_equal_to", "less_than", "less_than_or_equal_to"):
            sign = {
                "greater_than": ">",
                "greater_than_or_equal_to": "≥",
                "less_than": "<",
                "less_than_or_equal_to": "≤",
            }
            value = next(iter(stats.values()))
            parts.append(f"{sign[check.name]} {value}")
    if column.unique:
        parts.append("уникально")
    return "; ".join(parts)


def _size(n_bytes: int) -> str:
    return (
        f"{n_bytes / 1024**3:g} ГБ"
        if n_bytes >= 1024**3
        else (f"{n_bytes / 1024**2:g} МБ" if n_bytes >= 1024**2 else f"{n_bytes / 1024:g} КБ")
    )


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def limits_section() -> str:
    """The bounds of ``pipelines.limits`` and the date rules, as the user reads them."""
    youngest, oldest = limits.PUPIL_AGE_YEARS
    return f"""## Пределы и отказы

Выгрузка, которая выходит за пределы ниже, отклоняется целиком (`ejournal ingest` — код выхода 2,
хранилище не меняется) с сообщением, где названы файл и место (строка, запись архива, позиция в
JSON). Пределы заданы в одном месте — `pipelines/limits.py`.

| что | предел | правило |
|---|---|---|
| строка файла CSV | {_size(limits.MAX_LINE_BYTES)} (запись в кавычках на несколько строк — до 2 МБ) | `line_too_long`, `csv_ragged` |
| строка заголовков | {_size(limits.MAX_HEADER_BYTES)}, не больше {limits.MAX_COLUMNS} столбцов | `header_too_long`, `header` |
| архив `.zip` (и книга `.xlsx`, это тоже архив) | не больше {_n(limits.MAX_ARCHIVE_ENTRIES)} записей; распакованное — не больше {_size(limits.MAX_EXTRACTED_BYTES)} и не больше чем в {limits.MAX_COMPRESSION_RATIO} раз больше архива (до {_size(limits.RATIO_FREE_BYTES)} — без этого условия); считаются записанные байты, а не объявленные в архиве | `zip_too_large` |
| записи архива | без пароля (флаг шифрования), сжатие Deflate, BZIP2, LZMA или без сжатия (Deflate64 и прочие — нет), без символических ссылок и путей вне папки | `zip_encrypted`, `zip_compression`, `symlink`, `zip_unsafe_path` |
| папка выгрузки | без символических ссылок на файлы и папки (цель ссылки не читается), без каналов и устройств; не больше {_n(limits.MAX_FOLDER_ENTRIES)} файлов и папок, вложенность не больше {limits.MAX_FOLDER_DEPTH} | `symlink`, `not_a_file`, `folder_too_large` |
| книга Excel | лист объявляет не больше {_n(limits.MAX_SHEET_CELLS)} ячеек; объединённые ячейки книги вместе — не больше {_n(limits.MAX_MERGED_CELLS)}; одна часть книги — не больше {_size(limits.MAX_XLSX_PART_BYTES)} | `xlsx_too_large`, `xlsx_merged_cells` |
| JSON и HTML журналов | файл не больше {_size(limits.MAX_TEXT_BYTES)}; вложенность массивов, объектов и элементов страницы — не больше {limits.MAX_NESTING_DEPTH}; число в JSON — не длиннее {limits.MAX_NUMBER_CHARS} знаков | `file_too_large`, `json_too_deep`, `html_too_deep`, `json_number_too_long` |

Неправдоподобные даты отклоняют строку (она в карантине, код выхода 1), каждая по своему правилу:

| правило | что отклоняется |
|---|---|
| `date_after_export` | момент записи (столбцы «…_at»: отметка выставлена, урок заполнен, изменение …) позже момента выгрузки (`export.csv: exported_at`) больше чем на {limits.ENTRY_TOLERANCE.days} сут. |
| `date_implausible` | любая дата раньше {limits.EARLIEST_DATE:%d.%m.%Y}; дата урока, периода, года, плана — позже момента выгрузки больше чем на {limits.LATEST_AFTER_EXPORT.days} дн. |
| `birth_date_implausible` | дата рождения, при которой ученику в дни, которые покрывает выгрузка, меньше {youngest} или больше {oldest} лет |

Сама выгрузка с моментом выгрузки в будущем или раньше {limits.EARLIEST_DATE:%d.%m.%Y} отклоняется целиком.
"""


def render() -> str:
    lines = [INTRO, limits_section()]
    refs: dict[str, list[str]] = {}
    for ref in REFERENCES:
        refs.setdefault(ref.file, []).append(f"`{ref.column}` → `{ref.target}.{ref.target_column}`")
    for spec in FILES:
        required = "обязательный" if spec.required else "необязательный"
        doc = re.sub(r"\s+", " ", (spec.model.__doc__ or "").strip())
        lines.append(f"## `{spec.name}` — {spec.ru_name} ({required})\n")
        lines.append(doc + "\n")
        if spec.name in NATURAL_KEYS:
            lines.append("Естественный ключ: " + ", ".join(f"`{k}`" for k in NATURAL_KEYS[spec.name]) + ".")
        if spec.name in refs:
            lines.append(" Ссылки: " + "; ".join(refs[spec.name]) + ".")
        lines.append("\n")
        lines.append("| столбец | по-русски | тип | обяз. | что значит | допустимо | пример |")
        lines.append("|---|---|---|---|---|---|---|")
        for name, column in columns_of(spec.model).items():
            lines.append(
                f"| `{name}` | `{column.metadata['ru']}` | {_type_name(column.dtype)} | "
                f"{'нет' if column.nullable else 'да'} | {column.description} | {_allowed(column)} | "
                f"`{column.metadata['example']}` |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"written {DOC_PATH}")
