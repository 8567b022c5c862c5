"""Command-line interface: a thin typer layer over library functions.

Each sub-command lives in its own module and only parses arguments and calls the library.
"""
