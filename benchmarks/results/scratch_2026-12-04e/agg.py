import collections,sys
f=sys.argv[1]; rate=float(sys.argv[2]) if len(sys.argv)>2 else 50
tot=collections.Counter(); byth=collections.Counter(); main=collections.Counter()
for line in open(f):
    stack,_,cnt=line.rstrip().rpartition(' ')
    cnt=int(cnt); frames=stack.split(';')
    th=frames[0].split(': ')[-1]
    if not any('score_tile' in x or 'assemble_anomaly' in x or 'run_anomaly_stage' in x for x in frames): continue
    byth[th]+=cnt
    key=next((x for x in reversed(frames) if 'rams/' in x), frames[-1])
    tot[(th[:10],key, frames[-1])]+=cnt
print({k:v/rate for k,v in byth.items()})
for k,v in tot.most_common(int(sys.argv[3]) if len(sys.argv)>3 else 40): print(round(v/rate,2), k)
