import math,time,numpy as np
from numba import njit, prange
_LN10=math.log(10.0)
@njit(cache=False,error_model="numpy")
def k_log1p(x,a,cap,out):
    for i in range(x.size):
        v=float(x[i])
        if not v>0.0:
            out[i]=0.0; continue
        z=0.5*v; t=0.0
        for k in range(a-1,0,-1):
            t=(t+1.0)*z*(1.0/k)
        out[i]=min(max((z-math.log1p(t))/_LN10,0.0),cap)
@njit(cache=False,error_model="numpy")
def k_nolog(x,a,cap,out):
    for i in range(x.size):
        v=float(x[i])
        if not v>0.0:
            out[i]=0.0; continue
        z=0.5*v; t=0.0
        for k in range(a-1,0,-1):
            t=(t+1.0)*z*(1.0/k)
        out[i]=min(max((z-t)/_LN10,0.0),cap)
@njit(cache=False,error_model="numpy",fastmath=False)
def k_log(x,a,cap,out):
    for i in range(x.size):
        v=float(x[i])
        if not v>0.0:
            out[i]=0.0; continue
        z=0.5*v; t=0.0
        for k in range(a-1,0,-1):
            t=(t+1.0)*z*(1.0/k)
        out[i]=min(max((z-math.log(1.0+t))/_LN10,0.0),cap)
@njit(cache=False,error_model="numpy")
def k_log32(x,a,cap,out):
    for i in range(x.size):
        v=float(x[i])
        if not v>0.0:
            out[i]=0.0; continue
        z=0.5*v; t=0.0
        for k in range(a-1,0,-1):
            t=(t+1.0)*z*(1.0/k)
        out[i]=min(max((z-math.log(np.float32(1.0+t)))/_LN10,0.0),cap)
x=np.random.default_rng(0).chisquare(6,size=(1024*1024)).astype(np.float32)
out=np.empty_like(x)
for f in (k_log1p,k_nolog,k_log,k_log32):
    f(x,3,30.0,out)
    t=time.perf_counter()
    for i in range(20): f(x,3,30.0,out)
    print(f.__name__,(time.perf_counter()-t)/20*1e3,'ms')
