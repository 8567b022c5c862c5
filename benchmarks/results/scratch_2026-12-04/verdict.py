import json, sys
def row(path):
    s = json.load(open(path))['summary']; h = s['held_out']; c = s['clutter_only']; m = h['mine_layer']
    return dict(cov=h['mine_coverage'], flag=h['flagged_over_minefield'], sha=h['n_sha'], p1=h['n_sha_priority_1'],
                nomine=h['n_sha_without_mine'], P=m['precision'], R=m['recall'], F1=m['f1'], tp=m['tp'], fp=m['fp'],
                ece=h['ece'], clutter=c['false_mine_points_per_1000m2'], csha=c['n_sha'], cp1=c['n_sha_priority_1'])
a, b = row(sys.argv[1]), row(sys.argv[2])
for k in a: print(f"{k:8s} {a[k]!s:>8} -> {b[k]!s:>8}")
