"""«Сетевой город. Образование» (netschool): saved WebAPI and mobile API responses of the pupil's
diary (diary.py, with the importer), the fields each response is known to carry (fields.py), and
the HTML report «Отчёт об успеваемости и посещаемости ученика» (report.py)."""
