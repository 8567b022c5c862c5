"""Stop 62 (rule ZZD): per run, candidate points per hectare by kind and fused points that are not mines.

    python benchmarks/results/stop62/flightstats.py '/tmp/zt/fit/run-*' '/tmp/sf/keep/out-*' '/tmp/lt/keep_full/out-*'

Runs of fit_combiner.py (run-FAMILY-SEED-..., truth in flight-FAMILY-SEED-...) or kept by
bench_candidates.py --keep (out-NAME, truth in NAME). Source of the rule's "no wrong CNN call in the
old combiner's fit runs".
"""
import json, sys, glob, os
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from rams.training.combiner import load_labelled_run
import numpy as np

def truth_for(out):
    out = Path(out)
    # fit runs: run-FAM-SEED-... -> flight-FAM-SEED-...
    if out.name.startswith('run-'):
        name = out.name[4:]
        for suf in ('-rgbonly', '-cascade', '-nocnn'):
            if name.endswith(suf): return None
        cand = out.parent / ('flight-' + name)
        return cand / 'truth.geojson'
    if out.name.startswith('out-'):
        return out.parent / out.name[4:] / 'truth.geojson'

rows = []
for pat in sys.argv[1:]:
    for out in sorted(glob.glob(pat)):
        t = truth_for(out)
        if t is None or not t.is_file(): continue
        run = json.load(open(Path(out) / 'run.json'))
        area = run['surveyed_area_m2']
        lf = load_labelled_run(Path(out), t)
        P = lf.points
        hc = np.array([p.features['has_cnn'] for p in P]); ha = np.array([p.features['has_anomaly'] for p in P])
        fused = hc * ha
        # mine layer: read detections.geojson
        det = json.load(open(Path(out) / 'detections.geojson'))['features']
        n_layer = len(det)
        lab = lf.label
        rows.append((Path(out).name, area, lf.n_truth, len(P), hc.sum()/area*1e4, ha.sum()/area*1e4, fused.sum()/area*1e4,
                     ((fused>0)&(lab==0)).sum()/area*1e4, n_layer))
print(f"{'run':45s} {'area':>7s} {'mines':>5s} {'pts':>5s} {'cnn/ha':>7s} {'anom/ha':>7s} {'fused/ha':>8s} {'fusedFA/ha':>10s} {'layer':>5s}")
for r in rows:
    print(f"{r[0]:45s} {r[1]:7.0f} {r[2]:5d} {r[3]:5d} {r[4]:7.1f} {r[5]:7.1f} {r[6]:8.1f} {r[7]:10.1f} {r[8]:5d}")
