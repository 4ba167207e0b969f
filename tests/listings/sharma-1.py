# Why Rectified Linear Units (ReLUs) actually work? (Aditya Sharma), listing 1

# generate synthetic 1D data
npr.seed(42)
N = 200
X = npr.rand(N,1)
y = np.cos(6*X) + npr.randn(N,1)*0.08
