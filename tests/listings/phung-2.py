# ReLU from scratch with Gradient Descent (Tony Phung), listing 2
# mode: notebook (a Jupyter cell: the value of its last expression is shown)

import torch

def sgl_relu_pytclip_v1(m,b,x):
    y = m*x+b # input to torch needs to be a tensor, ie y=mx+b doesnt work as seen in error:
    print(type(y))
    return torch.clip(y,0.)
    

sgl_relu_pytclip_v1(1,1,1)
