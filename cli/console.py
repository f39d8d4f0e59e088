"""The command line's consoles, exit codes and error exit (shared by every command module)."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_REJECTED, EXIT_REFUSED, EXIT_FAILED = 0, 1, 2, 3


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print a Russian error message (never wrapped, never a traceback); raise the returned Exit."""
    err.print(f"[bold red]Ошибка:[/] {message}", soft_wrap=True)
    return typer.Exit(code)
