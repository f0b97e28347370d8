"""Writes the model folders in this directory. They were written once, by rnnkit at commit f03dbf4 (main
before the import redesign), so that the tests can show that models saved before it still load:

    git worktree add /tmp/old f03dbf4
    PYTHONPATH=/tmp/old/src python tests/models/saved_before_one_way_house/make.py

Each folder holds a small model; ``expected.json`` holds, for each, an input and the output that rnnkit
gave for it before it was saved. Not run by the tests: running it with a later rnnkit would test nothing.
"""

import json
from pathlib import Path

import numpy as np
import torch

import rnnkit
from rnnkit.layers import LSTM, Bidirectional, Dense, Embedding, SimpleRNN, TimeDistributed
from rnnkit.models import EncoderDecoder, Sequential
from rnnkit.tasks.forecasting import Forecaster

HERE = Path(__file__).parent
rnnkit.seed(0)
expected: dict[str, dict[str, list]] = {}

tutorial = Sequential([SimpleRNN(8, input_shape=(5, 1), activation="relu"), Dense(1)])
tutorial.compile(optimizer="adam", loss="mse")
x = np.random.rand(16, 5, 1).astype(np.float32)
tutorial.fit(x, x.sum(axis=1), epochs=2, verbose=0)
tutorial.save(HERE / "tutorial")
expected["tutorial"] = {"x": x[:3].tolist(), "y": tutorial.predict(x[:3], verbose=0).tolist()}

tagger = Sequential([Embedding(20, 6, mask_zero=True), Bidirectional(LSTM(4, return_sequences=True)),
                     TimeDistributed(Dense(3, activation="softmax"))])  # fmt: skip
tagger.build((None, 7))
tagger.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
tokens = np.array([[3, 4, 5, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7]])
tagger.save(HERE / "tagger")
expected["tagger"] = {"x": tokens.tolist(), "y": tagger.predict(tokens, verbose=0).tolist()}

series = 10 + np.sin(np.arange(60) / 3.0) + np.arange(60) / 20.0
forecaster = Forecaster(lookback=6, horizon=2, units=4, epochs=3).fit(series)  # two grouped networks
forecaster.save(HERE / "forecaster")
expected["forecaster"] = {"x": series.tolist(), "y": forecaster.predict(series).tolist()}

translator = EncoderDecoder(source_vocab=12, target_vocab=10, units=8, embedding_dim=4)
source, target_in = np.array([[1, 2, 3, 4]]), np.array([[1, 5, 6]])
translator.save(HERE / "encoder_decoder", include_optimizer=False)
with torch.no_grad():
    logits = translator(torch.as_tensor(source), torch.as_tensor(target_in))
expected["encoder_decoder"] = {"x": [source.tolist(), target_in.tolist()], "y": logits.tolist()}

(HERE / "expected.json").write_text(json.dumps(expected))
