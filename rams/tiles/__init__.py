"""Tiles: windows over the common grid, with a halo for local statistics and nodata masks."""
