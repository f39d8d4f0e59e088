"""An error's words as messages quote them (ejournal/errors.py): the first line that says
something, or the error's type when it says nothing. ``str(error).splitlines()[0]``, which the
messages used before, raised IndexError on an error without text, in the middle of reporting one."""

from __future__ import annotations

import errno
import os

import duckdb

from ejournal.errors import first_line, named


def test_the_first_line_that_says_something():
    error = duckdb.IOException('\n  \nCould not read file "x.csv"\nLINE 1: select * from ...\n')
    assert first_line(error) == 'Could not read file "x.csv"'
    assert named(error) == 'IOException: Could not read file "x.csv"'


def test_an_error_without_text_is_named_by_its_type():
    assert first_line(OSError()) == "OSError"
    assert first_line(ValueError("   ")) == "ValueError"
    assert named(OSError()) == "OSError"


def test_a_long_line_is_cut():
    assert first_line(ValueError("я" * 500)) == "я" * 200
    assert first_line(ValueError("abc"), limit=2) == "ab"


def test_an_os_error_keeps_its_number_and_words():
    error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert named(error) == f"OSError: [Errno {errno.ENOSPC}] {os.strerror(errno.ENOSPC)}"
