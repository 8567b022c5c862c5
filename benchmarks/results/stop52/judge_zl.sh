#!/usr/bin/env bash
# Rule ZL's figures (benchmarks/results/rule_ZL_fresh_lineage_scatter.md), both models in one
# session, one after the other (nothing else running). ZL's weights: /tmp/zl/rams_rgb.pt (kept in
# models/experiments/rams_rgb_ZL/ afterwards). Run from the repository root.
set -euo pipefail
OUT=${OUT:-/tmp/zl}
ZL=${ZL:-/tmp/zl/rams_rgb.pt}
for tag in S ZL; do
  if [ $tag = S ]; then M=models/rams_rgb.pt; else M=$ZL; fi
  rams benchmark tiles ../shared/datasets/pfm1-drone-rgb --split valid --model $M --class-map pfm-1=PFM-1 \
    --precision float32 -q -o $OUT/f14_$tag.json > $OUT/f14_$tag.log 2>&1
  python benchmarks/bench_rgb_synth.py --model $M --families cotton-field --seeds 1000-1003 --out $OUT/synth_${tag}_cotton.json > $OUT/synth_${tag}_cotton.log 2>&1
done
for tag in S ZL; do
  if [ $tag = S ]; then M=models/rams_rgb.pt; else M=$ZL; fi
  python benchmarks/bench_rgb_synth.py --model $M --families date-palm,olive-grove --seeds 1000-1003 --out $OUT/synth_${tag}_seen.json > $OUT/synth_${tag}_seen.log 2>&1
done
echo done
