import time, sys, torch, numpy as np
from rams.detection.detector import load_detector
prec = sys.argv[1] if len(sys.argv) > 1 else "auto"
SIDES = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [640, 1024]
m = load_detector(None, sensor='rgb', precision=prec)
print(m.inference_mode.to_dict()['mode'], torch.get_num_threads())
for side in SIDES:
    x = torch.rand(1, 3, side, side).contiguous(memory_format=torch.channels_last)
    x3 = torch.cat([x, x.flip(3), x.flip(2)]).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(3): m.run_network(x); m.run_network(x3)
        a, b = [], []
        for _ in range(25):
            t = time.perf_counter()
            o1 = [m.run_network(x)[0], m.run_network(x.flip(3))[0], m.run_network(x.flip(2))[0]]
            a.append(time.perf_counter() - t)
            t = time.perf_counter()
            o3 = m.run_network(x3)[0]
            b.append(time.perf_counter() - t)
    diff = max(float((o1[i][0] - o3[i]).abs().max()) for i in range(3))
    print(side, 'three batch-1 passes %.1f ms' % (1000 * np.median(a)), 'one batch-3 pass %.1f ms' % (1000 * np.median(b)), 'max |logit diff| %.2e' % diff)
