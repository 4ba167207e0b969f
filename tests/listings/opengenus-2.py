# ReLU (Rectified Linear Unit) Activation Function (OpenGenus), listing 2

def relu(x):
	return max(0.0, x)
