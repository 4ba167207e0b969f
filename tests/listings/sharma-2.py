# Why Rectified Linear Units (ReLUs) actually work? (Aditya Sharma), listing 2
# after: sharma-1

# defining the model architecture
model = Sequential()
model.add(Dense(30, input_dim=1, activation='relu'))
model.add(Dense(1, activation='linear'))

# Compile model
model.compile(loss='mean_squared_error', optimizer="adam")

# Fit the model
model.fit(X, y, epochs=1000, verbose=0)

# evaluate the model
loss=model.evaluate(X, y,verbose=0)
print(loss)
