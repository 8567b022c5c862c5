"""Export of a run's results: vectors, rasters and the flight report.

- :mod:`~rams.export.vector`: GeoJSON (RFC 7946, WGS84 lon/lat) and a GeoPackage.
- :mod:`~rams.export.cog`: Cloud-Optimized GeoTIFF, written tile by tile.
- :mod:`~rams.export.quicklook`: ``quicklook.png``, a map of one flight.
- :mod:`~rams.export.report`: ``report.html``, a self-contained report for planners.
"""
