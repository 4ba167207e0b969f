# ReLU from scratch with Gradient Descent (Tony Phung), listing 3
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-2

def sgl_relu_pytclip_v2(m,b,x):
    xs_tsr = torch.tensor(x)
    y = m*xs_tsr+b # convert inputs to tensor first
    print(type(y))
    return torch.clip(y,0.)
    
sgl_relu_pytclip_v2(1,1,1)
