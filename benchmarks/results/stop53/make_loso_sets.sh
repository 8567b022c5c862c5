#!/usr/bin/env bash
# Stop 53 (rules ZN, ZO): the leave-site-F03-out YOLO sets the recipes in this folder read.
#   /tmp/loso/noF03/{train,valid}: every pfm1-drone-rgb tile but Phan4_200316_F03's (links)
#   /tmp/loso/f03/valid: F03's 183 tiles (30 PFM-1), scored only
# Usage: bash benchmarks/results/stop53/make_loso_sets.sh [SHARED_DATASETS_DIR]
set -euo pipefail
S=${1:-/work/shared/datasets}/pfm1-drone-rgb
mkdir -p /tmp/loso && cd /tmp/loso && rm -rf noF03 f03
for sp in train valid; do mkdir -p noF03/$sp/images noF03/$sp/labels; done
mkdir -p f03/valid/images f03/valid/labels
cp "$S/data.yaml" noF03/ && cp "$S/data.yaml" f03/
for f in "$S"/train/images/*.jpg; do
  b=$(basename "$f" .jpg)
  if [[ $b == Phan4_200316_F03* ]]; then dst=f03/valid; else dst=noF03/train; fi
  ln -s "$f" $dst/images/ && ln -s "$S/train/labels/$b.txt" $dst/labels/
done
for f in "$S"/valid/images/*.jpg; do
  b=$(basename "$f" .jpg)
  ln -s "$f" noF03/valid/images/ && ln -s "$S/valid/labels/$b.txt" noF03/valid/labels/
done
echo "noF03 train $(ls noF03/train/images | wc -l), valid $(ls noF03/valid/images | wc -l); f03 $(ls f03/valid/images | wc -l)"
