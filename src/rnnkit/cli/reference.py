"""The CLI reference in Markdown, generated from the argparse parser itself, so it cannot drift.

The documentation site renders it on its "Command line" page (``docs/hooks.py``); a test checks that
every command and every flag of the parser is on the page.

Example::

    from rnnkit.cli import build_parser
    from rnnkit.cli.reference import markdown

    print(markdown(build_parser()))
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

__all__ = ["commands", "markdown"]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def commands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command that runs something, depth first: ``("rnnkit text fit", parser)``, ...; a group with
    subcommands is walked, not listed."""
    name = prefix or parser.prog
    children = _subcommands(parser)
    if not children:
        yield name, parser
    for child, sub in children.items():
        yield from commands(sub, f"{name} {child}")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _argument(action: argparse.Action) -> tuple[str, str, str]:
    """(flags, default, help) of one argument, as table cells."""
    metavar = action.metavar if isinstance(action.metavar, str) else None
    if action.option_strings:
        takes_value = action.nargs != 0
        shown = metavar or (action.dest.upper() if takes_value else "")
        if action.nargs in ("+", "*"):
            shown += " ..."
        flags = ", ".join(f"`{flag}{' ' + shown if shown else ''}`" for flag in action.option_strings)
    else:
        flags = f"`{metavar or action.dest}`"
    choices = f" One of: {', '.join(f'`{c}`' for c in action.choices)}." if action.choices else ""
    default = action.default
    shown_default = "" if default in (None, False, argparse.SUPPRESS) or not action.option_strings else f"`{default}`"
    help_text = "" if action.help in (None, argparse.SUPPRESS) else str(action.help)
    if "%(default)" in help_text:
        help_text = help_text % {"default": default}
    return flags, shown_default, _cell(help_text + choices)


def markdown(parser: argparse.ArgumentParser, level: int = 2) -> str:
    """One section per command: what it does, its usage line, and a table of its arguments."""
    parts: list[str] = []
    for name, command in commands(parser):
        parts.append(f"{'#' * level} `{name}`\n")
        about = (command.description or "").replace("%%", "%")
        if about:
            parts.append(" ".join(about.split()) + "\n")
        usage = " ".join(command.format_usage().removeprefix("usage: ").split())
        parts.append(f"```\n{usage}\n```\n")
        rows = [_argument(a) for a in command._actions if not isinstance(a, argparse._HelpAction)]
        if rows:
            parts.append("| argument | default | meaning |\n|---|---|---|")
            parts.append("\n".join(f"| {flags} | {default} | {meaning} |" for flags, default, meaning in rows) + "\n")
    return "\n".join(parts)
