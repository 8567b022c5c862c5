"""Pooled coverage, flagged/minefield, SHAs holding no mine and clutter-only SHAs over the kept seen
runs re-fenced by redelineate.py (/tmp/el/{tag}{keep with / as _}.json), as in rules ZG and ZH."""
import json

keeps = ['/tmp/zd/keepr_S', '/tmp/ze/keepm_S', '/tmp/ze/keepS_paddy', '/tmp/zf/K', '/tmp/zr/keepv_S']
for tag in ['base', 'k1.5', 'k2.0', 'k2.5', 'k3.0', 'h2', 'h2k3.0']:
    cov = tot = 0
    fa = ma = 0.0
    nom = 0
    cl = []
    for k in keeps:
        d = json.load(open(f'/tmp/el/{tag}{k.replace("/", "_")}.json'))
        for r in d['runs']:
            cov += r['n_covered']
            tot += r['n_truth_mines']
            fa += r['flagged_area_m2'] if r['n_truth_mines'] else 0
            ma += r['minefield_area_m2']
        nom += d['summary']['n_sha_without_mine']
        c = d['summary']['clutter_only']
        cl.append((c['n_sha'], c['n_sha_priority_1'], c['flagged_over_surveyed']))
    print(tag, 'pooled cov', cov, tot, round(cov / tot, 4), 'flagged/minefield', round(fa / ma, 3), 'no-mine SHAs', nom, 'clutter', cl)
