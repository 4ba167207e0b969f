# Dissecting Relu: A deceptively simple activation function (MLDawn), listing 4
# after: mldawn-3

# define a range for the pre-activations
z_range = np.arange(-5,5, 0.01)

plt.suptitle('The Flexibility of Relu(z)', fontsize=fontsize)

y_relu = [relu(z) for z in z_range]
plt.plot(z_range, y_relu, c='b', linewidth= linewidth, label='Relu(z)')
plt.legend(fontsize=fontsize, loc=2)

y_relu = [relu(-z) for z in z_range]
plt.plot(z_range, y_relu, c='k', linewidth= linewidth,label='Relu(-z)')

y_relu = [-relu(z) for z in z_range]
plt.plot(z_range, y_relu, c='r', linewidth= linewidth,label='-Relu(z)')

y_relu = [-relu(-z) for z in z_range]
plt.plot(z_range, y_relu, c='g', linewidth= linewidth,label='-Relu(-z)')
