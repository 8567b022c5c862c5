import json,glob
keeps=['/tmp/zd/keepr_S','/tmp/ze/keepm_S','/tmp/ze/keepS_paddy','/tmp/zf/K','/tmp/zr/keepv_S']
for tag in ['base','k1.5','k2.0','k2.5','k3.0']:
    tot_cov=0; tot=0; fl=[]; 
    line=[]
    for k in keeps:
        d=json.load(open(f'/tmp/el/{tag}{k.replace("/","_")}.json'))
        s=d['summary']
        line.append(f"{k.split('/')[-1]}: cov {s['mine_coverage']:.3f} fl {s['flagged_over_minefield']:.2f} p1cov {s['mine_coverage_priority_1']:.3f} nomine {s['n_sha_without_mine']}")
    print(tag, ' | '.join(line))
