"""``python -m rnnkit``: the same as the ``rnnkit`` command."""

from rnnkit.cli import run

run()
