# ReLU (Rectified Linear Unit) Activation Function (OpenGenus), listing 1

def ReLU(x):
  if x>0:
    return x
    return 0
