"""rams: Remote Aerial Minefield Survey.

Data flow (one sub-package per stage)::

    ingest -> grid -> tiles -> fusion -> anomaly / detection -> candidates -> export
                                                                   -> evaluation
    orchestration runs tiles as tasks (in-process or Dask); cli is a thin typer layer.
"""

__version__ = "0.1.0"
