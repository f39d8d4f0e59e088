"""The command line `ejournal`: the top floor of the house. It may import every package below it
(ejournal, warehouse, pipelines, report_templates, data_samples, dashboards); nothing imports it."""
