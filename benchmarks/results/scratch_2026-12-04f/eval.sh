#!/bin/bash
cd /work/main
set -x
date -u +%H:%M:%S
python benchmarks/bench_candidates.py --family pine-edge --keep /tmp/z/keep_S --results /tmp/z/cand_S.json > /tmp/z/cand_S.log 2>&1
date -u +%H:%M:%S
python benchmarks/calibrate_int8.py --model /tmp/z/Z/rams_rgb.pt --tiles ../shared/datasets/pfm1-drone-rgb --eval-split valid --class-map pfm-1=PFM-1 > /tmp/z/int8_Z.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_candidates.py --family pine-edge --config /tmp/z/Z.yaml --keep /tmp/z/keep_Z --results /tmp/z/cand_Z.json > /tmp/z/cand_Z.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_rgb_synth.py --model /tmp/z/Z/rams_rgb.pt --families pine-edge --seeds 1000-1003 --out /tmp/z/rgbsynth_Z.json > /tmp/z/rgbsynth_Z.log 2>&1
date -u +%H:%M:%S
for m in Z; do rams benchmark tiles ../shared/datasets/pfm1-drone-rgb --split valid --model /tmp/z/Z/rams_rgb.pt --class-map pfm-1=PFM-1 --precision float32 -o /tmp/z/tiles_Z.json > /tmp/z/tiles_Z.log 2>&1; done
rams benchmark tiles ../shared/datasets/pfm1-drone-rgb --split valid --model models/rams_rgb.pt --class-map pfm-1=PFM-1 --precision float32 -o /tmp/z/tiles_S.json > /tmp/z/tiles_S.log 2>&1
date -u +%H:%M:%S
echo DONE
