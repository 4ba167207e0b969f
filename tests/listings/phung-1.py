# ReLU from scratch with Gradient Descent (Tony Phung), listing 1
# mode: notebook (a Jupyter cell: the value of its last expression is shown)

import numpy as np

def sgl_relu_np(m,b,x):
    y = m*x+b
    relu_y = np.maximum(y,0)
    return relu_y 

sgl_relu_np(1,1,1)
