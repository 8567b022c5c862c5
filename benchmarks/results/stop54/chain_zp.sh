#!/usr/bin/env bash
# Stop 54 rule ZP: after the training (started from the worktree /tmp/wP at 4d5213a), record
# flip averaging and score F03 (left out) and F14 (withheld flight of a known site), float32.
#   PYTHONPATH=/tmp/wP RAMS_MODELS_DIR=/tmp/wP/models python -c 'from rams.cli.main import run; run()' \
#     train --recipe benchmarks/results/stop54/recipe_noF03_grass.yaml -o /tmp/loso/model_noF03_grass.pt
set -euo pipefail
cd /work/main
python benchmarks/results/scratch_2026-12-05/make_zd_tta.py /tmp/loso/model_noF03_grass.pt /tmp/loso/zp/rams_rgb.pt
rams benchmark tiles /tmp/loso/f03 --split valid --model /tmp/loso/zp/rams_rgb.pt --class-map pfm-1=PFM-1 \
  --precision float32 -o /tmp/loso/ZP_F03.json
rams benchmark tiles ../shared/datasets/pfm1-drone-rgb --split valid --model /tmp/loso/zp/rams_rgb.pt \
  --class-map pfm-1=PFM-1 --precision float32 -o /tmp/loso/ZP_F14.json
date -u
