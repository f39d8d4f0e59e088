"""«Электронный дневник» Санкт-Петербурга (spb): the parent's API answers of
dnevnik2.petersburgedu.ru (api.py, with the importer)."""
