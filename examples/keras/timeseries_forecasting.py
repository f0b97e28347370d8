"""Keras's "Timeseries forecasting for weather prediction" recipe with its imports pointed at rnnkit:
windows made by ``keras.utils.timeseries_dataset_from_array``, an LSTM built with the Functional API,
``fit`` on the dataset with early stopping and a checkpoint of the best epoch.

Keras:   import keras
rnnkit:  from rnnkit import keras

The data: instead of downloading the Jena weather record, the yearly sunspot numbers shipped with rnnkit
(1700-2008). The model reads 20 years and forecasts the next; split in time: training to 1920,
validation (early stopping) 1921-1960, test 1961-2008, beside two baselines on the same test years.
"""

import os
import tempfile

import numpy as np

from rnnkit import keras
from rnnkit.datasets import sunspots

keras.utils.set_random_seed(0)
past = 20
batch_size = 16
epochs = 200

values = sunspots().values.astype("float32")
train_end, val_end = 221, 261  # first index of 1921 and of 1961
mean, std = values[:train_end].mean(), values[:train_end].std()
features = ((values - mean) / std)[:, None]  # (time, 1 feature)


def windows(first_target: int, end: int, shuffle: bool = False):
    """Batches of the `past` values before each target in [first_target, end)."""
    return keras.utils.timeseries_dataset_from_array(
        features[first_target - past : end - 1],
        features[first_target:end, 0],
        sequence_length=past,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=0,
    )


dataset_train = windows(past, train_end, shuffle=True)
dataset_val = windows(train_end, val_end)
dataset_test = windows(val_end, len(values))
inputs, targets = next(iter(dataset_train))  # Keras: for batch in dataset_train.take(1)
print("Input shape:", tuple(inputs.shape))
print("Target shape:", tuple(targets.shape))

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(32)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="mse")
model.summary()

path_checkpoint = os.path.join(tempfile.mkdtemp(), "model_checkpoint")
es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=20)
modelckpt_callback = keras.callbacks.ModelCheckpoint(
    monitor="val_loss", filepath=path_checkpoint, save_weights_only=True, save_best_only=True
)
history = model.fit(
    dataset_train, epochs=epochs, validation_data=dataset_val, callbacks=[es_callback, modelckpt_callback],
    verbose=0,
)
print(f"stopped after {len(history.history['loss'])} epochs")
best = keras.models.load_model(path_checkpoint)

test_mse = best.evaluate(dataset_test, verbose=0) * std**2
actual = values[val_end:]
naive_mse = float(np.mean((actual - values[val_end - 1 : -1]) ** 2))
mean_mse = float(np.mean((actual - mean) ** 2))
print(f"test MSE {test_mse:.1f} (sunspots²), last-year baseline {naive_mse:.1f}, training-mean baseline {mean_mse:.1f}")
