"""«Отчет по активности пользователей»: each teacher's work in the journal over a quarter (000 §7.1)."""
