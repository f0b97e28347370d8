"""Keras's "Bidirectional LSTM on IMDB" example with its imports pointed at rnnkit: integer token ids in,
an Embedding, two Bidirectional LSTMs, a sigmoid out, built with the Functional API.

Keras:   import keras
         from keras import layers
rnnkit:  the two rnnkit lines below.

The data: instead of downloading IMDB, short generated reviews (so it runs in seconds and needs no
network). Each review is filler words with one to three opinion words, and an opinion word after "not"
counts the other way: "not good" is negative. Counting positive and negative words, the baseline printed
last, ignores the "not"; the LSTMs read the order, so they can do better.
"""

import numpy as np

from rnnkit import keras
from rnnkit.keras import layers

keras.utils.set_random_seed(1)
rng = np.random.default_rng(1)
filler = [f"w{i}" for i in range(120)]
positive = ["good", "great", "fine", "superb", "lovely", "fun"]
negative = ["bad", "awful", "dull", "poor", "boring", "weak"]
words = ["<pad>", "<unk>", "not", *filler, *positive, *negative]
index = {w: i for i, w in enumerate(words)}


def review() -> tuple[list[str], int]:
    while True:
        tokens = list(rng.choice(filler, size=rng.integers(8, 25)))
        score = 0
        for _ in range(rng.integers(1, 4)):
            pole = rng.integers(2)
            word = rng.choice(positive if pole else negative)
            negated = rng.random() < 0.4
            at = int(rng.integers(len(tokens) + 1))
            tokens[at:at] = ["not", word] if negated else [word]
            score += (1 if pole else -1) * (-1 if negated else 1)
        if score != 0:
            return tokens, int(score > 0)


reviews = [review() for _ in range(3000)]
x = [[index[w] for w in tokens] for tokens, _ in reviews]
y = np.array([label for _, label in reviews])

max_features = len(words)
maxlen = 40
x = keras.utils.pad_sequences(x, maxlen=maxlen)
x_train, y_train = x[:2000], y[:2000]
x_val, y_val = x[2000:2500], y[2000:2500]
x_test, y_test = x[2500:], y[2500:]

# Input for variable-length sequences of integers
inputs = keras.Input(shape=(None,), dtype="int32")
# Embed each integer in a 32-dimensional vector
x = layers.Embedding(max_features, 32)(inputs)
# Add 2 bidirectional LSTMs
x = layers.Bidirectional(layers.LSTM(32, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(32))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()

model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=8, validation_data=(x_val, y_val), verbose=0)

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
pos, neg = {index[w] for w in positive}, {index[w] for w in negative}
counts = np.array([sum(t in pos for t in row) - sum(t in neg for t in row) for row in x_test])
count_baseline = float(np.mean((counts > 0).astype(int) == y_test))
majority = float(max(np.mean(y_test), 1 - np.mean(y_test)))
print(f"test accuracy {accuracy:.3f}, word-count baseline {count_baseline:.3f}, majority baseline {majority:.3f}")
