# ReLU from scratch with Gradient Descent (Tony Phung), listing 7
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-1

import torch
import torch.nn.functional as nn
from functools import partial
import matplotlib.pyplot as plt
from ipywidgets import interact

def quad_fn(a,b,c,x): return a*x**2 + b*x + c
def quad_abc_fn(a,b,c): return partial(quad_fn,a,b,c)

og_a= 3
og_b= 2
og_c= 1

xs_100_tsr = torch.linspace(-2.1,2.1,steps=100)
quad_og_model = quad_abc_fn(og_a,og_b,og_c)

np.random.seed(42)

def noise(tsr, scale): return np.random.normal(scale=scale,size=tsr.shape)
def add_scale_noise_to_tsr(tsr,scale,additive):
    tsr = tsr+tsr*noise(tsr, scale)
    tsr = tsr+noise(tsr, additive)
    return tsr

xs_20_tsr = torch.linspace(-2,2,steps=20)
ys_20_og_tsr = quad_og_model(xs_20_tsr)
ys_20_noisey_tsr = add_scale_noise_to_tsr(ys_20_og_tsr,0.15,1.5)
