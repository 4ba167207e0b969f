# A Concise Introduction to the ReLU Function, listing 1
# mode: repl (printed as an interactive session: each statement's value is echoed)
# restored: the printed session's ">>> " prompts are removed; all else as printed

def ReLU(x): 
        if x > 0 or x == 0:
            return x
        else:
            return 0

ReLU(100)
ReLU(-100)
