# ReLU (Rectified Linear Unit) Activation Function (OpenGenus), listing 3

from matplotlib import pyplot

def relu(x):
	return max(0.0, x)

input = [x for x in range(-5, 10)]
# apply relu on each input
output = [relu(x) for x in input]
# plot our result
pyplot.plot(series_in, series_out)
