"""МЭШ / «Моя школа» (mesh): the family API answers for each pupil (api.py, with the importer)."""
