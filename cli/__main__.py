"""`python -m cli …` runs the `ejournal` command."""

from cli.main import main

main()
