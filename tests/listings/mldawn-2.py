# Dissecting Relu: A deceptively simple activation function (MLDawn), listing 2

def relu(z):
    if z > 0:
        return z
        return 0 
