"""Exploding gradients, shown and tamed.

A SimpleRNN whose recurrent kernel starts at twice an orthogonal matrix (spectral radius 2), trained by
plain SGD on windows of 50 steps: gradients grow geometrically on their way back through time, one
update throws the weights far away, the loss becomes infinite. TerminateOnNaN stops that run and puts
back the weights of the last finished epoch; GradientMonitor says what happened and suggests a clipnorm.
The same run with compile(clipnorm=1.0) trains.
"""

import warnings

import numpy as np

import rnnkit
from rnnkit.callbacks import TerminateOnNaN
from rnnkit.data.synthetic import periodic_series_windows
from rnnkit.diagnostics import GradientMonitor
from rnnkit.initializers import Orthogonal
from rnnkit.layers import Dense, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.optimizers import SGD

x, y = periodic_series_windows(2000, 50)
x_train, y_train, x_test, y_test = x[:1600], y[:1600], x[1600:], y[1600:]
baseline = float(np.mean((y_test - y_train.mean()) ** 2))


def model(clipnorm: float | None) -> Sequential:
    rnnkit.seed(0)
    m = Sequential([SimpleRNN(32, recurrent_initializer=Orthogonal(gain=2.0), input_shape=(None, 1)), Dense(1)])
    m.compile(optimizer=SGD(learning_rate=0.05), loss="mse", clipnorm=clipnorm)
    return m


print("Run 1: no clipping")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = model(None).fit(
        x_train, y_train, epochs=10, batch_size=32, verbose=0, callbacks=[TerminateOnNaN(), GradientMonitor()]
    )
print(
    f"  epoch losses: {', '.join(f'{v:.3g}' for v in history.history['loss'])} -> stopped after {len(history.epoch)} epochs"
)
for warning in caught:
    if issubclass(warning.category, rnnkit.errors.GradientWarning):
        print(f"  GradientMonitor: {warning.message}")

print("Run 2: the same, with compile(clipnorm=1.0)")
clipped = model(1.0)
history = clipped.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
print(f"  epoch losses: {', '.join(f'{v:.3g}' for v in history.history['loss'])}")
print(f"  updates clipped per epoch: {', '.join(f'{v:.0%}' for v in history.history['clipped'])}")
test_mse = float(clipped.evaluate(x_test, y_test, verbose=0))
print(f"  test MSE {test_mse:.4f} against {baseline:.4f} for predicting the training mean")
