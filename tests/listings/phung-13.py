# ReLU from scratch with Gradient Descent (Tony Phung), listing 13
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-9

def relu_dbl_interactive_plotter_fn(m1,b1,m2,b2):
    xs_sgl_100_tsr = torch.linspace(-4.1,4.1,steps=100)
    
    relu_dbl_m1b1m2b2_model = relu_dbl_m1b1m2b2_fn(m1,b1,m2,b2)
    ys_dbl_m1b1m2b2_100_tsr = relu_dbl_m1b1m2b2_model(xs_sgl_100_tsr)

    plt.xlim((-2,2))
    plt.ylim((-1,15))
    plt.plot(xs_sgl_100_tsr, ys_dbl_m1b1m2b2_100_tsr)
    plt.scatter(xs_20_tsr,ys_20_noisey_tsr, color='r')

    # print(ys_20_noisey_tsr)
    ys_dbl_preds_20_tsr = relu_dbl_m1b1m2b2_model(xs_20_tsr)
    mae = calc_mae(ys_20_noisey_tsr, ys_dbl_preds_20_tsr)
    plt.title(label=f"mae: {mae:.2f}")
relu_dbl_interactive_plotter_fn(m1=4.4251,  b1=2.5245, m2=-3.3031,  b2=0.8250)
