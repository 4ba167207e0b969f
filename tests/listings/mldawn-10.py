# Dissecting Relu: A deceptively simple activation function (MLDawn), listing 10

class Regressor(nn.Module):
    def __init__(self, n_hidden=2): # n_hidden is 2 by default but can 
        #be passed as an arguement
        super(Regressor, self).__init__() # Accessing he __init__ constructor in nn.Module
        self.hidden = torch.nn.Linear(1, n_hidden)  # hidden layer
        self.predict = torch.nn.Linear(n_hidden, 1)  # output layer with only 1 neuron

    def forward(self, x):
        x = F.relu(self.hidden(x)) # Applying relu()
        x = self.predict(x) # Gnerating y_hat
        return x 
