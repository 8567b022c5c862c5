#!/usr/bin/env bash
# Stop 56 rule ZT: train ZT from a worktree /tmp/wT at bde62ad (with .rams-cache linked to the main
# checkout's), record flip averaging, score float32 on the withheld flight F14, then the held-out
# synthetic family ploughed (seeds 1000-1007, as stop 55).
W=/tmp/wT
R="env PYTHONPATH=$W RAMS_MODELS_DIR=$W/models python -c 'from rams.cli.main import run; run()'"
cd $W
date -u > /tmp/zt/train.log
eval "$R train --recipe $W/configs/training/rams_rgb_lite0.yaml -o /tmp/zt/model_ZT.pt" >> /tmp/zt/train.log 2>&1
echo "train rc=$?" >> /tmp/zt/train.log
date -u >> /tmp/zt/train.log
PYTHONPATH=$W python $W/benchmarks/results/scratch_2026-12-05/make_zd_tta.py /tmp/zt/model_ZT.pt /tmp/zt/ZT/rams_rgb.pt
eval "$R benchmark tiles /work/shared/datasets/pfm1-drone-rgb --split valid --model /tmp/zt/ZT/rams_rgb.pt --class-map pfm-1=PFM-1 --precision float32 -o /tmp/zt/ZT_f14.json" > /tmp/zt/bench.log 2>&1
echo "f14 rc=$?" >> /tmp/zt/bench.log; date -u >> /tmp/zt/bench.log
PYTHONPATH=$W python $W/benchmarks/bench_rgb_synth.py --families ploughed --model /tmp/zt/ZT/rams_rgb.pt --out /tmp/zt/rgb_synth_ZT_ploughed.json >> /tmp/zt/bench.log 2>&1
echo "synth rc=$?" >> /tmp/zt/bench.log; date -u >> /tmp/zt/bench.log
echo chain done >> /tmp/zt/bench.log
