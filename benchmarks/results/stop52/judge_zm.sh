#!/usr/bin/env bash
# Rule ZM's figures (benchmarks/results/rule_ZM_cnn_points_at_0.3.md): S then ZM on the blind
# cassava-plot family. Run from the repository root.
set -euo pipefail
OUT=${OUT:-/tmp/zm}
mkdir -p $OUT
for tag in S ZM; do
  python benchmarks/bench_candidates.py --family cassava-plot --config benchmarks/results/stop52/${tag}_int8.yaml \
    --keep $OUT/keep_$tag --results $OUT/candidates_cassava-plot_$tag.json > $OUT/$tag.log 2>&1
done
echo done
