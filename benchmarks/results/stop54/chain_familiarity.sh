#!/usr/bin/env bash
# Stop 54 rule ZQ part 2: after model B is scored (chain_all.sh), the shipped model on F03 (its
# training flight, for the prediction's pairs) and the familiarity probe on every pair of the rule.
cd /work/main
while pgrep -f "stop54/chain_all.sh" >/dev/null; do sleep 10; done
rams benchmark tiles /tmp/loso/f03 --split valid --model models/rams_rgb.pt --class-map pfm-1=PFM-1 \
  --precision float32 -o /tmp/loso/SHIPPED_F03.json
P=benchmarks/results/stop54/familiarity.py
python $P /tmp/loso2/base/rams_rgb.pt /tmp/loso2/f15 valid ../shared/datasets/pfm1-drone-rgb valid /tmp/loso/f03 valid
python $P /tmp/loso/zp/rams_rgb.pt /tmp/loso/f03 valid ../shared/datasets/pfm1-drone-rgb valid
python $P models/rams_rgb.pt ../shared/datasets/pfm1-drone-rgb valid /tmp/loso/f03 valid
date -u
