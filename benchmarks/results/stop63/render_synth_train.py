"""Render (or find) the synthetic training flights of a recipe into its cache, without training.

Stop 63: the cache `.rams-cache/synth-train` was lost (see the commit that untracked `.rams-cache`);
rule ZZC's and ZZF's recipes do not count the rendering in their 57 min, so it is done beforehand.
Usage: python render_synth_train.py RECIPE.yaml
"""
import sys
import time

from rams.detection.sources import generate_synth_flights, read_sources_file

recipe = sys.argv[1]
data = read_sources_file(recipe)
for spec in data["sources"]:
    if spec.resolved_kind() != "synth":
        continue
    t0 = time.perf_counter()
    flights = generate_synth_flights(spec, data["working_gsd_m"])
    print(f"{spec.description}: {len(flights)} flights in {time.perf_counter() - t0:.0f} s", flush=True)
