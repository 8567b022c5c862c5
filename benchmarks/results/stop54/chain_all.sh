#!/usr/bin/env bash
# Stop 54: after ZP trains, score it (chain_zp.sh); then train the base model of the second-site
# kit (site Phan4_210414 left out; the current recipe, no grass) and score it on F15, F14, F03
# (trained on), all float32 and flip-averaged; then the familiarity probe of the models.
cd /work/main
while pgrep -f "train --recipe /tmp/wP/benchmarks/results/stop54/recipe_noF03_grass.yaml" >/dev/null; do sleep 10; done
bash benchmarks/results/stop54/chain_zp.sh > /tmp/loso/chain_zp.log 2>&1
echo "chain_zp rc=$?" >> /tmp/loso/chain_zp.log
date -u > /tmp/loso2/train_base.log
(cd /tmp/wP && PYTHONPATH=/tmp/wP RAMS_MODELS_DIR=/tmp/wP/models python -c 'from rams.cli.main import run; run()' \
  train --recipe /tmp/wP/benchmarks/results/stop54/recipe_no210414_base.yaml -o /tmp/loso2/model_no210414_base.pt) >> /tmp/loso2/train_base.log 2>&1
echo "base train rc=$?" >> /tmp/loso2/train_base.log
date -u >> /tmp/loso2/train_base.log
python benchmarks/results/scratch_2026-12-05/make_zd_tta.py /tmp/loso2/model_no210414_base.pt /tmp/loso2/base/rams_rgb.pt
for s in f15:/tmp/loso2/f15 f14:../shared/datasets/pfm1-drone-rgb f03:/tmp/loso/f03; do
  rams benchmark tiles ${s#*:} --split valid --model /tmp/loso2/base/rams_rgb.pt --class-map pfm-1=PFM-1 \
    --precision float32 -o /tmp/loso2/BASE_${s%%:*}.json
done
date -u
