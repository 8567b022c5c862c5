"""Synthetic flights: ms, thermal and RGB orthomosaics of a known minefield scene.

Used by the demo, the tests, CNN training and the benchmarks. Entry point:
:func:`generate_flight`.
"""

from rams.synth.flight import SynthFlight, generate_flight

__all__ = ["SynthFlight", "generate_flight"]
