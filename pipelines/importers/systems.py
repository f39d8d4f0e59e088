"""The journal systems the importers know: one entry each, ``"name": "module:Class"``.

The name is the ``--source`` value; the order is the order of detection (after the canonical
export): the most specific first. This module imports nothing, so the command line can list the
names in its help without loading any importer (registry.py loads them lazily).
"""

CANONICAL = "canonical"

IMPORTERS: dict[str, str] = {
    "netschool": "pipelines.importers.netschool.diary:NetschoolImporter",
    "elschool": "pipelines.importers.elschool.pages:ElschoolImporter",
    "spreadsheet": "pipelines.importers.spreadsheet.workbooks:SpreadsheetImporter",
    "dnevnik": "pipelines.importers.dnevnik.api:DnevnikImporter",
    "eljur": "pipelines.importers.eljur.api:EljurImporter",
    "mesh": "pipelines.importers.mesh.api:MeshImporter",
    "spb": "pipelines.importers.spb.api:SpbImporter",
}

SOURCE_NAMES = (CANONICAL, *IMPORTERS)
