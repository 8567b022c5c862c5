"""Orchestration: planning, scheduling and staging of a run; no domain logic of its own.

Runs the stages (ingest, grid, tiles, fusion, anomaly, detection, candidates, export) per
flight or per batch, locally or on Dask, and writes outputs atomically.
"""
