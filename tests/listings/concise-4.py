# A Concise Introduction to the ReLU Function, listing 4
# mode: repl (printed as an interactive session: each statement's value is echoed)
# restored: the printed session's ">>> " prompts are removed; all else as printed

import torch
import numpy as np

m = torch.nn.ReLU()
arr = np.array([-10, -5, 0.0, 5, 10])
t_arr = torch.tensor(arr) # convert numpy array to tensor
relu = m(t_arr)
print(relu)
