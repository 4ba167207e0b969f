# ReLU from scratch with Gradient Descent (Tony Phung), listing 10
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-9

m1b1_m2b2_tsr = torch.tensor([0.5,0.5,-0.5,-0.5],requires_grad=True)
relu_2_loss_function(m1b1_m2b2_tsr)
