"""The classic Keras SimpleRNN tutorial, unchanged except for its imports.

Keras:   from tensorflow.keras.models import Sequential
         from tensorflow.keras.layers import SimpleRNN, Dense
rnnkit:  the two lines below.
"""

import numpy as np

from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential

# Generate sample data
np.random.seed(42)
X = np.random.rand(1000, 10, 1)  # 1000 sequences of length 10 with 1 feature
y = np.random.rand(1000, 1)  # target values

# Split into training and test sets
X_train, X_test = X[:800], X[800:]
y_train, y_test = y[:800], y[800:]

# Build the RNN model
model = Sequential()
model.add(SimpleRNN(32, input_shape=(10, 1), activation="relu"))
model.add(Dense(1))

# Compile the model
model.compile(optimizer="adam", loss="mse")
model.summary()

# Train the model
model.fit(X_train, y_train, epochs=20, batch_size=32)

# Evaluate on the test set
loss = model.evaluate(X_test, y_test)
print(f"Test Loss: {loss}")

# Make predictions
predictions = model.predict(X_test[:5])
for i in range(5):
    print(f"Predicted: {predictions[i][0]:.4f}, Actual: {y_test[i][0]:.4f}")
