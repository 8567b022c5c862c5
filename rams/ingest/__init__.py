"""Ingest: the flight manifest, sensor profiles and validation of every input raster.

Bad input is reported as :class:`rams.errors.RamsInputError` naming the file and the problem.
"""
