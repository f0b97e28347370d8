"""Models saved before the import redesign (rnnkit at f03dbf4; ``saved_before_one_way_house/make.py``
wrote them) load with today's rnnkit and give the outputs they gave before they were saved."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.models import EncoderDecoder, Sequential, load_model
from rnnkit.tasks.forecasting import Forecaster

FOLDER = Path(__file__).parent / "saved_before_one_way_house"
EXPECTED = json.loads((FOLDER / "expected.json").read_text())


@pytest.mark.parametrize("name", ["tutorial", "tagger"])
def test_a_sequential_model_saved_before_loads_and_predicts_the_same(name: str) -> None:
    model = load_model(FOLDER / name)
    assert isinstance(model, Sequential) and model.optimizer is not None  # compiled, optimizer state back
    case = EXPECTED[name]
    np.testing.assert_allclose(model.predict(np.array(case["x"]), verbose=0), case["y"], rtol=1e-5, atol=1e-6)


def test_a_forecaster_saved_before_loads_and_forecasts_the_same() -> None:
    forecaster = Forecaster.load(FOLDER / "forecaster")
    assert forecaster.config.members == 2  # the grouped layers were rebuilt by their registered names
    case = EXPECTED["forecaster"]
    np.testing.assert_allclose(forecaster.predict(np.array(case["x"])), case["y"], rtol=1e-5)


def test_an_encoder_decoder_saved_before_loads_and_gives_the_same_logits() -> None:
    model = load_model(FOLDER / "encoder_decoder").eval()
    assert isinstance(model, EncoderDecoder)
    source, target_in = (torch.tensor(part) for part in EXPECTED["encoder_decoder"]["x"])
    with torch.no_grad():
        logits = model(source, target_in)
    np.testing.assert_allclose(logits.numpy(), EXPECTED["encoder_decoder"]["y"], rtol=1e-5, atol=1e-6)
