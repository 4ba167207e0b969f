# ReLU from scratch with Gradient Descent (Tony Phung), listing 9
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-8

def calc_mae(actual, preds): return torch.abs(actual-preds).mean()

def relu_2_loss_function(params):
    def relu_dbl_m1b1m2b2_fn(m1,b1,m2,b2): return partial(relu_dbl_fn,m1,b1,m2,b2)
    relu_dbl_m1b1m2b2_model = relu_dbl_m1b1m2b2_fn(*params)
    ys_preds_20_tsr = relu_dbl_m1b1m2b2_model(xs_20_tsr)
    return calc_mae(ys_20_noisey_tsr,ys_preds_20_tsr)
