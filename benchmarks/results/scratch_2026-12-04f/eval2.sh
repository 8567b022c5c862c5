#!/bin/bash
cd /work/main
set -x
date -u +%H:%M:%S
python benchmarks/bench_real_rgb.py --compare W=/tmp/z/W.yaml --compare Z=/tmp/z/Z.yaml --work /tmp/z/realrgb --results /tmp/z/real_rgb_SZ.json > /tmp/z/real_rgb.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_candidates.py --family karst --config /tmp/z/Z.yaml --keep /tmp/z/keepk_Z --results /tmp/z/candk_Z.json > /tmp/z/candk_Z.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_candidates.py --family paddy --config /tmp/z/Z.yaml --keep /tmp/z/keepp_Z --results /tmp/z/candp_Z.json > /tmp/z/candp_Z.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_rgb_synth.py --model /tmp/z/Z/rams_rgb.pt --families karst --seeds 1000-1003 --out /tmp/z/rgbsynthk_Z.json > /tmp/z/rgbsynthk_Z.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_candidates.py --family karst --config /tmp/z/W.yaml --keep /tmp/z/keepk_S --results /tmp/z/candk_S.json > /tmp/z/candk_S.log 2>&1
date -u +%H:%M:%S
python benchmarks/bench_candidates.py --family paddy --config /tmp/z/W.yaml --keep /tmp/z/keepp_S --results /tmp/z/candp_S.json > /tmp/z/candp_S.log 2>&1
date -u +%H:%M:%S
echo DONE
