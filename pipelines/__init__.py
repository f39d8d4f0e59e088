"""Reading, checking and loading journal exports (see README.md).

pandera is imported here, before any module of the package needs it, in its polars-only form.
When pandas is installed, pandera's package imports it with its pandas API (and, through it,
pyspark.pandas), and asks for it again at the first validation; the pipeline uses none of it.
It cost 60 MB of a loading process's memory (a 1,000-pupil school's ingest peaked at 693–736 MB
with it against the 700 MB target, 646–657 MB without) and a quarter of a second of every
start, the workers' included. So pandera is imported, and asked its one question about pandas,
while an import of pandas fails as in a polars-only installation. pandas itself stays
importable (the dashboard imports it; a process that imported pandas first gets the whole of
pandera as usual). Only ``pandera.pandas`` is missing from a process that imported this package
first: a module validating pandas frames (bench/pandas_pandera.py) imports it before.

The same goes for hypothesis (a test dependency, installed beside the project): pandera's polars
checks import its data-synthesis strategies, which import hypothesis when it is there. That was
0.05 s and 6 MB of the first validation of every loading process and worker; the pipeline
synthesises no data. pandera's strategies module is imported here with hypothesis unseen, which
pandera takes as an installation without it. A process that imported hypothesis first (a test
run) keeps it.
"""

import importlib.abc
import sys
import warnings

# pandera imports pyspark.pandas when pyspark is installed (the Spark build needs it); its
# complaint about pandas 3 concerns the pandas-on-Spark API, which the project does not use.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


class _Without(importlib.abc.MetaPathFinder):
    """Answers an import of the named packages as a missing module does, the case pandera's
    package handles (an installation without them)."""

    def __init__(self, *packages: str):
        self.packages = {p for p in packages if p not in sys.modules}

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.packages:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def _import_pandera_for_polars() -> None:
    if "pandera" in sys.modules:
        return
    # polars looks for its optional packages when it is imported and keeps the answer: imported
    # while pandas is unseen, it would take pandas for missing in this process for good (a page's
    # table of no columns then failed «pd.DataFrame requires 'pandas'» after an upload)
    import polars  # noqa: F401

    finder = _Without("pandas", "hypothesis")  # those imported already are not hidden
    sys.meta_path.insert(0, finder)
    try:
        import pandera.polars
        import pandera.strategies.base_strategies  # noqa: F401  (imported by the first polars check)
        from pandera.backends import register_checks

        # pandera asks for pandas again when it first validates (to route pandas-like frames),
        # and remembers the answer: it is asked here, while pandas stays unseen
        register_checks._load_get_backend_types_from_mro()
    finally:
        sys.meta_path.remove(finder)


_import_pandera_for_polars()
