"""Raw libdeflate (the `deflate` package, not a rams dependency: pip install deflate) and zlib
against GDAL's read of the same 200 blocks of the benchmark flight's RGB (512 px, deflate, RGBA
uint8), ms per block. Printed in stop 51: zlib 6.91, libdeflate 3.42, GDAL 3.64 (0.17 from its
block cache on a second read); compressed to 0.49 of the raw size."""
import time, zlib, numpy as np, rasterio, deflate, os
from rasterio.windows import Window
from rams.ingest.tiff_blocks import check_blocks
for name in ['rgb']:
    path=f'/tmp/bp25/flight-500m/{name}.tif'
    img=check_blocks(path).images[0] if hasattr(check_blocks(path),'images') else None
    with rasterio.open(path) as src:
        dt=np.dtype(src.dtypes[0]); nb=src.count
        # pick 200 blocks in the middle
        bx=img.blocks_across; idx=[ (40+ i//20)*bx + 40 + i%20 for i in range(200)]
        fd=os.open(path,os.O_RDONLY)
        raw=[os.pread(fd,int(img.byte_counts[i]),int(img.offsets[i])) for i in idx]
        t=time.perf_counter(); outs=[zlib.decompress(r) for r in raw]; tz=time.perf_counter()-t
        n=512*512*nb*dt.itemsize
        t=time.perf_counter(); outd=[deflate.zlib_decompress(r, n) for r in raw]; td=time.perf_counter()-t
        assert outs[0]==bytes(outd[0])
        t=time.perf_counter()
        for i in idx:
            r,c=divmod(i,bx)
            a=src.read(window=Window(c*512,r*512,512,512))
        tg=time.perf_counter()-t
        t=time.perf_counter()
        for i in idx:
            r,c=divmod(i,bx)
            a=src.read(window=Window(c*512,r*512,512,512))
        tg2=time.perf_counter()-t
        b=np.frombuffer(outs[-1],dt).reshape(512,512,nb).transpose(2,0,1)
        print(name, 'equal', np.array_equal(a,b), 'ms/block zlib %.2f libdeflate %.2f gdal %.2f gdal-again %.2f'%(tz/200*1e3, td/200*1e3, tg/200*1e3, tg2/200*1e3), 'ratio', np.mean([len(r) for r in raw])/n)
