# ReLU from scratch with Gradient Descent (Tony Phung), listing 12
# mode: notebook (a Jupyter cell: the value of its last expression is shown)
# after: phung-9

m1b1_m2b2_tsr = torch.tensor([0.5,0.5,-0.5,-0.5],requires_grad=True)

for i in range(40):
    loss = relu_2_loss_function(m1b1_m2b2_tsr)
    loss.backward()

    with torch.no_grad():
        m1b1_m2b2_tsr -= m1b1_m2b2_tsr.grad*0.01
        print(f"loss_{i+1}: {loss:.2f} - [{m1b1_m2b2_tsr}]")
