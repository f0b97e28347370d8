"""The CLI reference is generated from the parser: every command and every flag is on the page."""

from __future__ import annotations

import argparse

from rnnkit.cli import build_parser
from rnnkit.cli.reference import commands, markdown


def test_every_command_and_flag_is_in_the_reference() -> None:
    parser = build_parser()
    page = markdown(parser)
    listed = list(commands(parser))
    names = {name for name, _ in listed}
    assert {"rnnkit demo", "rnnkit text fit", "rnnkit forecast backtest", "rnnkit native status"} <= names
    for name, command in listed:
        assert f"`{name}`" in page
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for flag in action.option_strings:
                assert f"`{flag}" in page, f"{name}: {flag} missing"


def test_a_group_is_walked_not_listed() -> None:
    names = [name for name, _ in commands(build_parser())]
    assert "rnnkit text" not in names and "rnnkit" not in names


def test_choices_defaults_and_percent_signs_are_rendered() -> None:
    page = markdown(build_parser())
    fit = page[page.index("`rnnkit text fit`") :]
    fit = fit[: fit.index("\n## ", 1) if "\n## " in fit[1:] else len(fit)]
    assert "One of: `lstm`, `gru`, `rnn`, `mingru`, `minlstm`, `lru`." in fit
    assert "10%%" not in page and "10%" in fit
