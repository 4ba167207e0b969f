# ReLU from scratch with Gradient Descent (Tony Phung), listing 5
# mode: notebook (a Jupyter cell: the value of its last expression is shown)

import torch
import torch.nn.functional as nn
from functools import partial
import matplotlib.pyplot as plt

def relu_sgl_fn(m,b,x):
    y = m*x+b
    return nn.relu(y)

def relu_sgl_plotter_fn(m,b):
    xs_sgl_100_tsr = torch.linspace(-2.1,2.1,steps=100)
    def relu_sgl_mb_fn(m,b): return partial(relu_sgl_fn,m,b)

    relu_sgl_mb_model = relu_sgl_mb_fn(m,b)
    ys_sgl_mb_100_tsr = relu_sgl_mb_model(xs_sgl_100_tsr)

    plt.xlim((-2,2))
    plt.ylim((-1,10))
    plt.plot(xs_sgl_100_tsr, ys_sgl_mb_100_tsr)

m=2
b=1
relu_sgl_plotter_fn(m,b)
