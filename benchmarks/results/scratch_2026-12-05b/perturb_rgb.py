"""Re-render a flight's RGB as another camera/renderer might: colour cast, gamma, blur, noise (windowed)."""
import sys, shutil, os
import numpy as np, rasterio, cv2
from rasterio.windows import Window
src_dir, dst_dir, kind = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(dst_dir, exist_ok=True)
for f in ('flight.yaml', 'ms.tif', 'thermal.tif', 'truth.geojson', 'synth.json'):
    if os.path.exists(f'{src_dir}/{f}'): os.symlink(os.path.abspath(f'{src_dir}/{f}'), f'{dst_dir}/{f}')
P = {'warm': dict(gain=(1.12, 1.0, 0.84), gamma=0.85, blur=1.0, noise=5.0),
     'cool_dark': dict(gain=(0.82, 0.92, 1.08), gamma=1.25, blur=1.5, noise=8.0)}[kind]
rng = np.random.default_rng(0)
with rasterio.open(f'{src_dir}/rgb.tif') as src:
    prof = src.profile
    with rasterio.open(f'{dst_dir}/rgb.tif', 'w', **prof) as dst:
        H = 8
        for _, w in src.block_windows(1):
            r0, c0 = max(0, w.row_off - H), max(0, w.col_off - H)
            r1, c1 = min(src.height, w.row_off + w.height + H), min(src.width, w.col_off + w.width + H)
            a = src.read(window=Window(c0, r0, c1 - c0, r1 - r0)).astype(np.float32)
            rgb = a[:3]
            rgb = rgb * np.array(P['gain'], np.float32)[:, None, None]
            rgb = 255.0 * (np.clip(rgb, 0, 255) / 255.0) ** P['gamma']
            rgb = np.stack([cv2.GaussianBlur(b, (0, 0), P['blur']) for b in rgb])
            rgb += rng.normal(0, P['noise'], rgb.shape).astype(np.float32)
            a[:3] = np.clip(rgb, 0, 255)
            rr, cc = w.row_off - r0, w.col_off - c0
            dst.write(np.round(a[:, rr:rr + w.height, cc:cc + w.width]).astype(np.uint8), window=w)
