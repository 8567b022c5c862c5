"""Grid: the common target grid of a flight and windowed, co-registered reads onto it.

Every sensor is read through :class:`rams.grid.reader.GridReader` (WarpedVRT or a same-lattice
copy), one window at a time; no orthomosaic is loaded whole.
"""
