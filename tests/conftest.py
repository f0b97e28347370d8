"""Shared fixtures: a fixed seed per test and the path to the shared datasets."""

from __future__ import annotations

import os
import random

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


#: the seed of the fuzz tests' fresh draws (tests/hardening): new each run unless RNNKIT_FUZZ_SEED replays one
# (kept in the environment, so that every import of this module, and every test subprocess, sees one seed)
os.environ["RNNKIT_FUZZ_SEED"] = os.environ.get("RNNKIT_FUZZ_SEED") or str(random.SystemRandom().randrange(2**32))
FUZZ_SEED = int(os.environ["RNNKIT_FUZZ_SEED"])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"fuzz tests drew fresh cases from seed {FUZZ_SEED}; replay: RNNKIT_FUZZ_SEED={FUZZ_SEED}")
