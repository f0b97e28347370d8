"""Shared fixtures: a fixed seed per test and the path to the shared datasets."""

from __future__ import annotations

import pytest
import torch

import rnnkit

# ``--doctest-modules`` imports every module under tests/; this one is a script that rewrites the models
# saved by an old rnnkit, and importing it would overwrite them with today's (the test would test nothing)
collect_ignore = ["models/saved_before_one_way_house/make.py"]


@pytest.fixture(autouse=True)
def _seeded() -> None:
    rnnkit.seed(0)
    torch.set_num_threads(1)
