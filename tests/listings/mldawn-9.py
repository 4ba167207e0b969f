# Dissecting Relu: A deceptively simple activation function (MLDawn), listing 9

use_gpu = torch.cuda.is_available()
# If so, change torch.device to 'gpu'
device = torch.device("cuda" if use_gpu else "cpu") 
