"""Shared fixtures: a fixed seed per test and the path to the shared datasets."""

from __future__ import annotations

import pytest
import torch

import rnnkit


@pytest.fixture(autouse=True)
def _seeded() -> None:
    rnnkit.seed(0)
    torch.set_num_threads(1)
