#!/usr/bin/env bash
# Second-site check of rule ZP (a later session): leave site Phan4_210414 out (F14 and F15).
#   /tmp/loso2/no210414/train: the tiles of F01, F02, F03 (links); 20 % of them are the selection
#     split (select_fraction in the recipe), so no valid/ of its own is needed
#   /tmp/loso2/s210414/valid: F14 (valid/) and F15 (the training flight of that site), scored only
#   /tmp/loso2/f15/valid: F15 alone (F14 alone is valid/ of the shared set)
# Usage: bash benchmarks/results/stop54/make_loso_210414_sets.sh [SHARED_DATASETS_DIR]
set -euo pipefail
S=${1:-/work/shared/datasets}/pfm1-drone-rgb
mkdir -p /tmp/loso2 && cd /tmp/loso2 && rm -rf no210414 s210414
mkdir -p no210414/train/images no210414/train/labels no210414/valid/images no210414/valid/labels
rm -rf f15 && mkdir -p s210414/valid/images s210414/valid/labels f15/valid/images f15/valid/labels
cp "$S/data.yaml" no210414/ && cp "$S/data.yaml" s210414/ && cp "$S/data.yaml" f15/
for sp in train valid; do
  for f in "$S"/$sp/images/*.jpg; do
    b=$(basename "$f" .jpg)
    if [[ $b == Phan4_210414* ]]; then dst=s210414/valid; else dst=no210414/train; fi
    ln -s "$f" $dst/images/ && ln -s "$S/$sp/labels/$b.txt" $dst/labels/
    if [[ $b == Phan4_210414_F15* ]]; then ln -s "$f" f15/valid/images/ && ln -s "$S/$sp/labels/$b.txt" f15/valid/labels/; fi
  done
done
echo "no210414 train $(ls no210414/train/images | wc -l); s210414 $(ls s210414/valid/images | wc -l); f15 $(ls f15/valid/images | wc -l)"
