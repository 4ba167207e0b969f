# Dissecting Relu: A deceptively simple activation function (MLDawn), listing 1

import numpy as np
import matplotlib.pyplot as plt 
