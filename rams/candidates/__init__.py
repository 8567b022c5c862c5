"""Candidates: suspected hazardous area (SHA) polygons and surface-mine points."""
