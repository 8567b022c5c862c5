"""Builds pipeline_0.25km2_ab_2026-12-04c.json from the bench_pipeline.py result files of stop 40.

Usage: python assemble_ab.py OUT.json LABEL=FILE.json ...
"""
import json
import statistics
import sys


def row(r):
    k = r["kernels"]
    return {
        "wall_s": round(r["wall_seconds"], 1),
        "anomaly_s": round(r["stages"]["anomaly"]["seconds"], 2),
        "rx_kernel_s": round(k["rx_local"]["seconds"], 2),
        "anomaly_stage_over_kernel": round(r["anomaly_stage_over_kernel"], 2),
        "detection_s": round(r["stages"]["detection"]["seconds"], 2),
        "cnn_forward_s": round(k["cnn_forward"]["seconds"], 2),
        "end_to_end_over_kernels": round(r["end_to_end_over_kernels"], 2),
        "km2_per_hour": round(r["km2_per_hour"], 1),
        "peak_rss_mb": round(r["peak_rss_mb"]),
        "counts": r["counts"],
    }


out = {"runs": {}, "medians": {}}
for arg in sys.argv[2:]:
    label, path = arg.split("=", 1)
    d = json.load(open(path))
    out["runs"][label] = {"file": path, "date_utc": d.get("date_utc"), "rows": [row(r) for r in d["runs"]]}
groups = {}
for label, v in out["runs"].items():
    groups.setdefault(label.split("_")[0], []).extend(v["rows"])
for g, rows in groups.items():
    out["medians"][g] = {
        key: statistics.median(r[key] for r in rows)
        for key in ("anomaly_s", "rx_kernel_s", "anomaly_stage_over_kernel", "detection_s", "end_to_end_over_kernels", "wall_s")
    } | {"n_runs": len(rows)}
json.dump(out, open(sys.argv[1], "w"), indent=1)
print(json.dumps(out["medians"], indent=1))
