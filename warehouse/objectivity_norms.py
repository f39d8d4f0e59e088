"""The school settings the objectivity checks and forecasts use ([attestation], [objectivity] and
[forecast] of norms.toml), typed; their defaults are those of ejournal.settings, written there once."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ejournal.settings import Norms, load_norms

_DEFAULTS = Norms()


@dataclass(frozen=True)
class ObjectivityNorms:
    rounding_threshold: float = _DEFAULTS.attestation.rounding_threshold
    padding_last_days: int = _DEFAULTS.objectivity.padding_last_days
    padding_min_marks: int = _DEFAULTS.objectivity.padding_min_marks
    padding_ratio: float = _DEFAULTS.objectivity.padding_ratio
    teacher_min_pupils: int = _DEFAULTS.objectivity.teacher_min_pupils
    teacher_alpha: float = _DEFAULTS.objectivity.teacher_alpha
    vpr_min_participants: int = _DEFAULTS.objectivity.vpr_min_participants
    vpr_gap: int = _DEFAULTS.objectivity.vpr_gap
    risk_probability: float = _DEFAULTS.forecast.risk_probability

    @classmethod
    def of(cls, norms: Norms | None = None) -> ObjectivityNorms:
        """Settings from the norms file (the default file when none is given); unknown keys are refused."""
        norms = norms or load_norms()
        values = {f.name: getattr(norms.objectivity, f.name) for f in fields(norms.objectivity)}
        return cls(
            rounding_threshold=norms.attestation.rounding_threshold,
            risk_probability=norms.forecast.risk_probability,
            **values,
        )

    def rule_mark(self, average: float | None) -> int | None:
        return rule_mark(average, self.rounding_threshold)


def rule_mark(average: float | None, threshold: float) -> int | None:
    """The period mark the school's rounding rule gives a weighted average: ≥ 4 + t → 5,
    ≥ 3 + t → 4, ≥ 2 + t → 3, else 2 (the SQL form: :func:`rule_mark_sql`; the polars form sits
    in warehouse/forecast/model.py)."""
    if average is None:
        return None
    # a tolerance keeps 3.65 (3.6499999… in binary) on the upper side of 0.65
    a = average + 1e-9
    for mark in (5, 4, 3):
        if a >= mark - 1 + threshold:
            return mark
    return 2


def rule_mark_sql(average: str, threshold: str = "$t") -> str:
    """:func:`rule_mark` as a SQL expression over the column `average` with the threshold bound
    as the parameter `threshold` (null when the average is null)."""
    return f"""case
                when {average} is null then null
                when {average} + 1e-9 >= 4 + {threshold} then 5
                when {average} + 1e-9 >= 3 + {threshold} then 4
                when {average} + 1e-9 >= 2 + {threshold} then 3
                else 2
            end"""
