"""Command line for analysts and batch jobs: ``equimap COMMAND`` or ``python -m equimap COMMAND``.

Every command prints one clear sentence and exits with code 2 on bad input.
Regions are looked up by key in the data folder: ``--data-dir DIR`` (before or
after the command), else the ``EQUIMAP_DATA_DIR`` environment variable, else
the regions bundled with equimap.

One module per group of commands: `regions` (``regions``, ``prepare``,
``urbanisation``), `indicators` (``access``, ``summary``, ``equity``, ``supply``,
``inequality``), `report`, `planning` (``outreach``, ``optimise``, ``scenario``) and
`add_region`; `_common` turns the global options into the library's arguments, and
`parser` holds `build_parser` and `main` (the ``equimap`` console script).
"""

from equimap.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
