"""Pure rules of the sales domain: no I/O, no database, no terminal."""
