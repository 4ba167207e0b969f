# A Concise Introduction to the ReLU Function, listing 5
# mode: repl (printed as an interactive session: each statement's value is echoed)
# after: concise-4
# restored: the printed session's ">>> " prompts are removed; all else as printed

import matplolib.pyplot as plt
plt.style.use("seaborn")

# Using the output from our Pytorch implementation 
plt.plot(relu)
plt.show()
