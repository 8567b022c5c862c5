#!/usr/bin/env bash
# Stop 56, rule ZT follow-up (run only if T1 and T2 hold): refit the combiner on ZT's outputs by the
# shipped command (rule ZR's), in the worktree /tmp/wT whose models/ holds ZT (flip-averaged) with its card.
W=/tmp/wT
cd $W
PYTHONPATH=$W python benchmarks/real_rgb_flights.py /work/shared/datasets/pfm1-drone-rgb --split train \
  --select-fraction 0.2 --out /tmp/zt/real-rgb-selection > /tmp/zt/refit.log 2>&1
date -u >> /tmp/zt/refit.log
PYTHONPATH=$W RAMS_MODELS_DIR=$W/models python benchmarks/fit_combiner.py --work /tmp/zt/fit \
  --real-rgb /tmp/zt/real-rgb-selection --out /tmp/zt/ZT/rams_combiner.json >> /tmp/zt/refit.log 2>&1
echo "refit rc=$?" >> /tmp/zt/refit.log; date -u >> /tmp/zt/refit.log
