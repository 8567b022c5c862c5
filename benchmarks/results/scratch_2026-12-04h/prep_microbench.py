"""Scratch (stop 43): the CNN input preparation (normalise, pad, channels-last, two mirrors) of one 0.8 Mpx uint8 window, the shipped way (old) against numpy/cv2 rewrites (new, new2, new3); checks they are equal, prints ms per window."""
import time, numpy as np, torch, cv2, torch.nn.functional as F
torch.set_num_threads(2)
from rams.detection.detector import normalise_images
norm={"mode":"fixed","mean":[144.7,141.4,117.6],"std":[54.0,48.7,48.0]}
rng=np.random.default_rng(0)
img=rng.integers(0,256,(1,3,900,900),dtype=np.uint8)
def old(images):
    x=torch.from_numpy(normalise_images(images,norm))
    h,w=images.shape[2:]; ph,pw=-h%32,-w%32
    x=F.pad(x,(0,pw,0,ph)).contiguous(memory_format=torch.channels_last)
    return torch.cat([x,x.flip(3),x.flip(2)]).contiguous(memory_format=torch.channels_last)
mean=np.array(norm["mean"],np.float32); std=np.array(norm["std"],np.float32)
lut=((np.arange(256,dtype=np.float32)[:,None]-mean)/std).astype(np.float32)[None]  # (1,256,3)
def new(images):
    b,c,h,w=images.shape; hp,wp=h+(-h%32),w+(-w%32)
    buf=np.zeros((3*b,hp,wp,c),np.float32)
    for i in range(b):
        hwc=np.ascontiguousarray(images[i].transpose(1,2,0))
        buf[i,:h,:w]=cv2.LUT(hwc,lut)
        buf[b+i]=buf[i][:,::-1]
        buf[2*b+i]=buf[i][::-1]
    return torch.from_numpy(buf).permute(0,3,1,2)
a=old(img); bb=new(img)
print(torch.equal(a,bb), bb.is_contiguous(memory_format=torch.channels_last), (a-bb).abs().max())
for f in ():
    t=time.perf_counter()
    for _ in range(30): f(img)
    print(f.__name__, (time.perf_counter()-t)/30*1000,'ms')
def new2(images):
    b,c,h,w=images.shape; hp,wp=h+(-h%32),w+(-w%32)
    x=np.zeros((b,hp,wp,c),np.float32)
    for i in range(b):
        hwc=np.ascontiguousarray(images[i].transpose(1,2,0))
        if hp==h and wp==w: cv2.LUT(hwc,lut,dst=x[i])
        else: x[i,:h,:w]=cv2.LUT(hwc,lut)
    t=torch.from_numpy(x)
    return torch.cat([t,t.flip(2),t.flip(1)]).permute(0,3,1,2)
def new3(images):
    b,c,h,w=images.shape; hp,wp=h+(-h%32),w+(-w%32)
    out=torch.empty((3*b,hp,wp,c))
    x=out[:b].numpy()
    x[:]=0
    for i in range(b):
        hwc=np.ascontiguousarray(images[i].transpose(1,2,0))
        x[i,:h,:w]=cv2.LUT(hwc,lut)
    t=out[:b]
    out[b:2*b].copy_(t.flip(2)); out[2*b:].copy_(t.flip(1))
    return out.permute(0,3,1,2)
img2=rng.integers(0,256,(1,3,896,896),dtype=np.uint8)
for im in (img,img2):
  a=old(im)
  for f in (new2,new3):
    bb=f(im); print(f.__name__, torch.equal(a,bb), bb.is_contiguous(memory_format=torch.channels_last))
  for f in (old,new2,new3,old,new2,new3):
    t=time.perf_counter()
    for _ in range(30): f(im)
    print(f.__name__, (time.perf_counter()-t)/30*1000,'ms')
