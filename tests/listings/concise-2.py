# A Concise Introduction to the ReLU Function, listing 2
# mode: repl (printed as an interactive session: each statement's value is echoed)
# restored: the printed session's ">>> " prompts are removed; all else as printed

def ReLU(x):
        return max(0, x)

ReLU(100)
ReLU(-100)
