"""Pool bench_rgb_synth sweeps of the same model and family over several seed sets.

Usage: python benchmarks/results/stop64/pool_seeds.py FAMILY A.json B.json [...]
Sums true positives, false alarms and mines per threshold and prints the pooled best precision
at recall >= 0.9 (and each file's own), so a figure over 16 flights can be set beside one over 8.
"""

from __future__ import annotations

import json
import sys


def best_p(sweep: list[dict]) -> tuple[float, float]:
    """(best precision at recall >= 0.9, its threshold); (0, nan) if recall 0.9 is never reached."""
    best = (0.0, float("nan"))
    for row in sweep:
        tp, fa, mines = row["tp"], row["false_alarms"], row["mines"]
        p = tp / (tp + fa) if tp + fa else 0.0
        if tp / mines >= 0.9 and p > best[0]:
            best = (p, row["threshold"])
    return best


def main() -> None:
    family, paths = sys.argv[1], sys.argv[2:]
    sweeps = [json.load(open(p))["families"][family]["sweep"] for p in paths]
    for p, s in zip(paths, sweeps, strict=True):
        print(f"{p}: best P at R>=0.9 {best_p(s)[0]:.3f} (threshold {best_p(s)[1]})")
    pooled = []
    for rows in zip(*sweeps, strict=True):
        assert len({r["threshold"] for r in rows}) == 1
        pooled.append({"threshold": rows[0]["threshold"], "tp": sum(r["tp"] for r in rows),
                       "false_alarms": sum(r["false_alarms"] for r in rows), "mines": sum(r["mines"] for r in rows)})
    p, t = best_p(pooled)
    print(f"pooled over {len(paths)} seed sets ({pooled[0]['mines']} mines): best P at R>=0.9 {p:.3f} (threshold {t})")


if __name__ == "__main__":
    main()
