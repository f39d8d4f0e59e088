"""The command line's consoles, exit codes, error exit and the one way data reaches the terminal
(shared by every command module)."""

from __future__ import annotations

import re

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_REJECTED, EXIT_REFUSED, EXIT_FAILED = 0, 1, 2, 3

# Terminal escape sequences (CSI «ESC [ … m», OSC «ESC ] … BEL», two-byte «ESC x», 8-bit CSI).
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)|\x9b[0-?]*[ -/]*[@-~]?"
)
# Control characters, line breaks and the invisible marks that reorder or hide text on a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def plain(value: object) -> str:
    """Data (from an export, the warehouse, an error) as console text: escape sequences removed,
    other control characters shown as «�», rich markup («[bold red]») printed as it is written."""
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    return escape(_CONTROL.sub("\ufffd", text))


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print a Russian error message (never wrapped, never a traceback, its text never markup);
    raise the returned Exit."""
    err.print(f"[bold red]Ошибка:[/] {plain(message)}", soft_wrap=True)
    return typer.Exit(code)
