"""Scratch (stop 43): cProfile of one `rams process` of the 0.25 km2 benchmark flight (made by bench_pipeline.py --work /tmp/bp25); stats to /tmp/s43/prof.out."""
import cProfile, pstats, sys
sys.argv = ["rams", "process", "/tmp/bp25/flight-500m", "-o", "/tmp/bp25/out-prof", "--config", "/tmp/bp25/config.yaml", "--force"]
from rams.cli.main import main
pr = cProfile.Profile(); pr.enable()
try:
    main()
except SystemExit:
    pass
pr.disable(); pr.dump_stats("/tmp/s43/prof.out")
