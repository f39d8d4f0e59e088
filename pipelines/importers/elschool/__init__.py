"""ELSCHOOL (elschool): the pupil's «Табель успеваемости» pages saved as HTML (pages.py, with the
importer)."""
