"""ЭлЖур (eljur): the apiv3 responses getperiods, getdiary, getmarks, getfinalassessments (api.py,
with the importer)."""
