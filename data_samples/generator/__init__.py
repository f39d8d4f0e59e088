"""Deterministic generator of realistic canonical journal exports (see data_samples/README.md).

from data_samples.generator import generate_school, generate_region
generate_school(Path("out/sch-0001"), seed=42, n_pupils=1000)
"""

from .school import generate_region, generate_school

__all__ = ["generate_region", "generate_school"]
