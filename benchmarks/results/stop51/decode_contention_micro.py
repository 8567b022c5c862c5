import threading, time, torch, numpy as np, cv2
from rams.detection.centernet import decode
cv2.setNumThreads(1)
stop = False
def busy():
    a = np.random.rand(2000, 2000).astype(np.float32)
    while not stop:
        cv2.GaussianBlur(a, (31, 31), 5)
def post(l3, size, off, threads):
    if threads: torch.set_num_threads(threads)
    p = torch.sigmoid(l3)
    heat = (p[:1] + p[1:2].flip(3) + p[2:].flip(2)) / 3
    d = decode((heat, size, off), top_k=100, min_score=0.05, probabilities=True)
    if threads: torch.set_num_threads(2)
    return d
torch.manual_seed(0)
l3 = torch.randn(3, 4, 224, 224) - 4; size = torch.randn(1, 2, 224, 224); off = torch.rand(1, 2, 224, 224)
for contended in (False, True):
    stop = False
    th = threading.Thread(target=busy, daemon=True)
    if contended: th.start()
    for threads in (None, 1, None, 1):
        t = time.perf_counter()
        for _ in range(200): post(l3, size, off, threads)
        print("contended" if contended else "idle", "threads", threads or 2, f"{(time.perf_counter() - t) / 200 * 1e3:.2f} ms", flush=True)
    stop = True
    if contended: th.join()
