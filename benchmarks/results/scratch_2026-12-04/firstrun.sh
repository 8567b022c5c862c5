#!/bin/bash
# first-run cost: rams process (cascade) with no remembered input digests, probe verdicts kept
# $1 = label, $2 = PYTHONPATH root
mkdir -p /tmp/s36/fr_cache
cp -r ~/.cache/rams/. /tmp/s36/fr_cache/ 2>/dev/null
rm -f /tmp/s36/fr_cache/input-sha256.json
export RAMS_CACHE_DIR=/tmp/s36/fr_cache
cd /tmp/s36
s=$(date +%s.%N)
PYTHONPATH=$2 python -m rams.cli.main process p04/flight-200m -o p04/out-fr-$1 --force --config cascade.yaml > /dev/null 2>&1
e=$(date +%s.%N)
python -c "
import json;d=json.load(open('p04/out-fr-$1/run.json'));print('$1 wall %.2f'%($e-$s), {k:round(v,2) for k,v in d['seconds'].items()}, d['inputs'][2]['sha256'][:12])"
