"""Text encoded twice is refused with a Russian message; plain Russian text in UTF-8 is read.

A school's file opened in one program and saved by another turns «Алгебра» into «РђР»РіРµР±СЂР°»
(UTF-8 read as Windows-1251) or «Ð\x90Ð»Ð³ÐµÐ±Ñ\x80Ð°» (read as Latin-1). Either way the text
is valid UTF-8, so only its letters tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.canonical.reader import ExportFile, FileFacts, plan_csv
from pipelines.canonical.schemas import FILES_BY_NAME
from pipelines.issues import ExportRefused

SUBJECTS = FILES_BY_NAME["subjects"]
ROWS = ["rus;Русский язык;Рус. яз.;11", "alg;Алгебра;Алгебра;9", "hist;История России;История;6"] * 10


def _file(tmp_path: Path, text: str) -> ExportFile:
    path = tmp_path / "subjects.csv"
    path.write_bytes(text.encode("utf-8"))
    return ExportFile(SUBJECTS, path)


def _body() -> str:
    return "subject_id;subject_name;short_name;fipi_code\n" + "\n".join(ROWS) + "\n"


@pytest.mark.parametrize("misread_as", ["cp1251", "latin-1"])
def test_text_encoded_twice_is_refused(tmp_path: Path, misread_as: str):
    twice = _body().encode("utf-8").decode(misread_as, errors="replace")
    with pytest.raises(ExportRefused) as refused:
        plan_csv(_file(tmp_path, twice), tmp_path, FileFacts())
    assert refused.value.issue.rule_code == "encoding"
    assert "перекодирован дважды" in refused.value.issue.message


def test_russian_text_and_a_few_odd_letters_are_read(tmp_path: Path):
    # «Ð» and «Ñ» are letters of their own in a few names; a handful of them is not mojibake
    text = _body() + "srb;Српски језик Ђорђе;Срп.;7\nfra;Ñandú Ðorđe;Фр.;8\n"
    facts = FileFacts()
    plan = plan_csv(_file(tmp_path, text), tmp_path, facts)
    assert facts.encoding_code == "utf-8"
    assert plan.names == ["subject_id", "subject_name", "short_name", "fipi_code"]
