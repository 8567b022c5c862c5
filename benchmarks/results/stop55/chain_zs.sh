#!/usr/bin/env bash
# Stop 55 rule ZS: train SA (site Phan4_210414 left out) and SB (F03 left out) from worktree /tmp/wS
# (commit d827b37), record flip averaging, score float32 on the left-out site(s) and F14 / F03.
# Sets: bash benchmarks/results/stop54/make_loso_210414_sets.sh; bash benchmarks/results/stop53/make_loso_sets.sh
W=/tmp/wS
R="env PYTHONPATH=$W RAMS_MODELS_DIR=$W/models python -c 'from rams.cli.main import run; run()'"
mkdir -p /tmp/zs
cd $W
for m in SA:no210414 SB:noF03; do
  name=${m%%:*}; rec=${m#*:}
  date -u > /tmp/zs/train_$name.log
  eval "$R train --recipe $W/benchmarks/results/stop55/recipe_${rec}_lite0.yaml -o /tmp/zs/model_$name.pt" >> /tmp/zs/train_$name.log 2>&1
  echo "train rc=$?" >> /tmp/zs/train_$name.log
  date -u >> /tmp/zs/train_$name.log
  PYTHONPATH=$W python $W/benchmarks/results/scratch_2026-12-05/make_zd_tta.py /tmp/zs/model_$name.pt /tmp/zs/$name/rams_rgb.pt
  if [ $name = SA ]; then sets="f15:/tmp/loso2/f15 f14:/work/shared/datasets/pfm1-drone-rgb f03:/tmp/loso/f03"; else sets="f03:/tmp/loso/f03 f14:/work/shared/datasets/pfm1-drone-rgb"; fi
  for s in $sets; do
    eval "$R benchmark tiles ${s#*:} --split valid --model /tmp/zs/$name/rams_rgb.pt --class-map pfm-1=PFM-1 --precision float32 -o /tmp/zs/${name}_${s%%:*}.json" >> /tmp/zs/bench.log 2>&1
  done
  date -u >> /tmp/zs/bench.log
done
echo chain done >> /tmp/zs/bench.log
