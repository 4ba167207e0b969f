# ReLU from scratch with Gradient Descent (Tony Phung), listing 6
# mode: notebook (a Jupyter cell: the value of its last expression is shown)

import torch
import torch.nn.functional as nn
from functools import partial
import matplotlib.pyplot as plt
from ipywidgets import interact

def relu_dbl_fn(m1,b1,m2,b2,x):
    y1 = m1*x+b1
    y2 = m2*x+b2
    return nn.relu(y1) + nn.relu(y2)

def relu_dbl_m1b1m2b2_fn(m1,b1,m2,b2): return partial(relu_dbl_fn,m1,b1,m2,b2)

# @interact(m1=1,b1=1,m2=-1,b2=-1)
def relu_dbl_interactive_plotter_fn(m1,b1,m2,b2):
    xs_sgl_100_tsr = torch.linspace(-4.1,4.1,steps=100)
    
    relu_dbl_m1b1m2b2_model = relu_dbl_m1b1m2b2_fn(m1,b1,m2,b2)
    ys_dbl_m1b1m2b2_100_tsr = relu_dbl_m1b1m2b2_model(xs_sgl_100_tsr)

    plt.xlim((-4,4))
    plt.ylim((-1,10))
    plt.plot(xs_sgl_100_tsr, ys_dbl_m1b1m2b2_100_tsr)

relu_dbl_interactive_plotter_fn(1,1,-1,-1)
