"""The school's norms the class documents apply (ejournal/norms.toml), typed; their defaults are
those of ejournal.settings, written there once."""

from __future__ import annotations

from dataclasses import dataclass

from ejournal.settings import Norms, load_norms
from warehouse.objectivity_norms import rule_mark

_DEFAULTS = Norms()


@dataclass(frozen=True)
class DocumentNorms:
    """The settings of ejournal/norms.toml the documents apply (defaults: those of ejournal.settings)."""

    rounding_threshold: float = _DEFAULTS.attestation.rounding_threshold
    min_marks_per_period: int = _DEFAULTS.attestation.min_marks_per_quarter_at_1_hour
    chronic_absence_share: float = _DEFAULTS.attendance.chronic_absence_share

    @classmethod
    def of(cls, norms: Norms | None) -> DocumentNorms:
        if norms is None:
            return cls()
        return cls(
            rounding_threshold=norms.attestation.rounding_threshold,
            min_marks_per_period=norms.attestation.min_marks_per_quarter_at_1_hour,
            chronic_absence_share=norms.attendance.chronic_absence_share,
        )

    def rounded_mark(self, average: float | None) -> int | None:
        """The period mark a weighted average rounds to under the school's rule (4,65 → 5 at 0,65)."""
        return rule_mark(average, self.rounding_threshold)


def signing_deputy() -> str | None:
    """The deputy director who signs the documents (norms.toml [documents] deputy_director, set on
    «Нормы школы»), or None: the signature line is left blank to be signed by hand."""
    return load_norms().documents.deputy_director.strip() or None
