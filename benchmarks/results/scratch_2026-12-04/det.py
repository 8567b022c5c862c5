import sys, time, collections, functools
from pathlib import Path
import rams.detection.sliced as S, rams.detection.detector as D
from rams.config import load_config
from rams.orchestration.pipeline import process_flight
acc = collections.Counter()
def wrap(obj, name, label):
    f = getattr(obj, name)
    @functools.wraps(f)
    def g(*a, **k):
        w = time.perf_counter()
        try: return f(*a, **k)
        finally: acc[label] += time.perf_counter() - w; acc[label+' n'] += 1
    setattr(obj, name, g)
wrap(D.Detector, 'predict', 'predict')
wrap(D.Detector, 'run_network', 'run_network')
wrap(D.Detector, 'network_input', 'network_input')
wrap(S, '_prepare', '_prepare')
wrap(S, 'decode', 'decode') if hasattr(S,'decode') else None
wrap(D, 'decode', 'decode')
wrap(D.Detector, '_flip_average', '_flip_average')
import rams.detection as RD
wrap(RD, 'detect_sliced', 'detect_sliced')
wrap(RD, 'load_detector', 'load_detector')
wrap(RD, 'cascade_windows', 'cascade_windows')
import rams.orchestration.detect_stage as DS
orig_mi = DS.model_input
def mi(reader, sensor):
    f = orig_mi(reader, sensor)
    def g(win):
        w = time.perf_counter()
        try: return f(win)
        finally: acc['read_window'] += time.perf_counter() - w; acc['read_window n'] += 1
    return g
DS.model_input = mi
cfg = load_config(Path('/tmp/s36/cascade.yaml'))
for r in range(int(sys.argv[3]) if len(sys.argv) > 3 else 2):
    acc.clear()
    res = process_flight(sys.argv[1], sys.argv[2], cfg, force=True)
    print({k: round(v, 2) for k, v in res.seconds.items()})
    print({k: round(v, 3) for k, v in acc.items()})
