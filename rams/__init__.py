"""rams: Remote Aerial Minefield Survey.

Data flow (one sub-package per stage)::

    ingest -> grid -> tiles -> fusion -> anomaly / detection -> candidates -> export
                                                                   -> evaluation
    orchestration runs tiles as tasks (in-process or Dask); cli is a thin typer layer.

``rams.core`` holds the types and tables every stage shares (below all of them);
``rams.training`` fits and scores models (above detection and evaluation). Packages import
only downward: ``tests/test_imports.py`` checks it.
"""

__version__ = "0.1.0"
