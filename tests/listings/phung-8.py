# ReLU from scratch with Gradient Descent (Tony Phung), listing 8
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-7

def relu_dbl_fn(m1,b1,m2,b2,x):
    y1 = m1*x+b1
    y2 = m2*x+b2
    return nn.relu(y1) + nn.relu(y2)


def relu_dbl_m1b1m2b2_fn(m1,b1,m2,b2): return partial(relu_dbl_fn,m1,b1,m2,b2)
