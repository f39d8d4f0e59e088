"""Work types met in the data, with their weights: the source's own, else the school's norms,
else the default weight (with a note)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ejournal.settings import Norms
from pipelines.importers.ids import slug_id
from pipelines.importers.names import normalise_name
from pipelines.importers.notes import Notes


@dataclass
class WorkTypes:
    """Work types met in the data, with weights: the source's own, else the school's, else default.

    ``resolve`` returns the canonical work_type_id. A type the source gives without a weight and
    the school's table (norms [importers] work_type_weights) does not list gets the default
    weight (norms [importers] default_work_weight) and a note.
    """

    norms: Norms
    notes: Notes
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(
        self,
        name: str | None,
        file_name: str,
        where: str,
        *,
        weight: float | None = None,
        is_control: bool | None = None,
        type_id: str | None = None,
    ) -> str:
        label = (name or "").strip() or "Без вида работы"
        work_type_id = type_id or slug_id(label)
        if work_type_id in self.rows:
            return work_type_id
        if weight is None:
            school = {normalise_name(k): v for k, v in self.norms.importers.work_type_weights.items()}
            weight = school.get(normalise_name(label))
            if weight is None:
                weight = self.norms.importers.default_work_weight
                self.notes.add(
                    file_name,
                    where,
                    "вид работы",
                    label,
                    f"вид работы «{label}» без веса и не указан в нормах школы: вес по умолчанию {_num(weight)}",
                )
        if is_control is None:
            is_control = "контрольн" in normalise_name(label)
        self.rows[work_type_id] = {
            "work_type_id": work_type_id,
            "work_type_name": label,
            "weight": _num(weight),
            "is_control": "да" if is_control else "нет",
        }
        return work_type_id

    def table(self) -> list[dict[str, str]]:
        return list(self.rows.values())


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
