"""The `crm` command line: Typer commands that parse, call core/store, and render."""
