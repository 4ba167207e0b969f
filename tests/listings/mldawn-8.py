# Dissecting Relu: A deceptively simple activation function (MLDawn), listing 8
# after: mldawn-1

plt.figure(figsize=(16, 9))
x = torch.unsqueeze(torch.linspace(-10, 10, 300), dim=1)
y = x.pow(3)
plt.plot(x.data.numpy(), y.data.numpy(), color="k", label='Ground-truth')
