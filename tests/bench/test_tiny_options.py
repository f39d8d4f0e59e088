"""bench.tiny: ``--cold 0`` measures no new process (and says nothing of one); counts below the
least are refused with a message, not a traceback."""

from __future__ import annotations

import pytest

from bench import tiny

WARM = {"first": 0.8, "wall": 0.6, "cpu": 0.62, "validate": 0.33, "load": 0.18}


def test_without_cold_runs_the_report_has_no_cold_lines(tmp_path):
    assert tiny.cold(0, tmp_path) is None
    report = tiny.text_report(100, WARM, None)
    assert "тепло (лучшее)" in report and "0.600" in report
    assert "холодно" not in report


@pytest.mark.parametrize(("argv", "shown"), [(["--repeat", "0"], "«0»"), (["--cold", "-1"], "«-1»")])
def test_counts_below_the_least_are_refused(argv, shown, capsys):
    with pytest.raises(SystemExit):
        tiny.main(argv)
    assert shown in capsys.readouterr().err
