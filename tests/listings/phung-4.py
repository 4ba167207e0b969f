# ReLU from scratch with Gradient Descent (Tony Phung), listing 4
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-2

import torch.nn.functional as nn

def sgl_relu_nn(m,b,x):
    xs_tsr = torch.tensor(x)
    ys_tsr = m*xs_tsr+b # convert inputs to tensor first
    relu_y = nn.relu(ys_tsr)
    print(type(relu_y))
    return relu_y

sgl_relu_nn(1,1,1)
