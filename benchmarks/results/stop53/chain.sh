#!/usr/bin/env bash
# Stop 53: after ZN trains, record flip averaging, score it (rule ZN), then train ZO (rule ZO).
cd /work/main
while pgrep -f "rams train --recipe /tmp/loso/recipe_noF03.yaml" >/dev/null; do sleep 10; done
python benchmarks/results/scratch_2026-12-05/make_zd_tta.py /tmp/loso/model_noF03.pt /tmp/loso/zn/rams_rgb.pt
python benchmarks/results/stop53/adabn.py /tmp/loso/zn/rams_rgb.pt /tmp/loso/f03 valid /tmp/loso/ZN_F03
python benchmarks/results/stop53/adabn.py /tmp/loso/zn/rams_rgb.pt ../shared/datasets/pfm1-drone-rgb valid /tmp/loso/ZN_F14
date -u
rams train --recipe /tmp/loso/recipe_noF03_ampmix.yaml -o /tmp/loso/model_noF03_ampmix.pt > /tmp/loso/train_zo.log 2>&1
echo "ZO train rc=$?"
python benchmarks/results/scratch_2026-12-05/make_zd_tta.py /tmp/loso/model_noF03_ampmix.pt /tmp/loso/zo/rams_rgb.pt
rams benchmark tiles /tmp/loso/f03 --split valid --model /tmp/loso/zo/rams_rgb.pt --class-map pfm-1=PFM-1 --precision float32 -o /tmp/loso/ZO_F03.json
rams benchmark tiles ../shared/datasets/pfm1-drone-rgb --split valid --model /tmp/loso/zo/rams_rgb.pt --class-map pfm-1=PFM-1 --precision float32 -o /tmp/loso/ZO_F14.json
date -u
