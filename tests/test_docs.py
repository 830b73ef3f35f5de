"""Drift guards: every command, option and setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from idic.cli import GROUPED_VERBS

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
DJANGO_DEFAULT_OPTIONS = {
    "--help",
    "--version",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}


def _idic_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items() if app.startswith("idic.")}


def _spoken(name: str) -> str:
    verb, _, rest = name.partition("_")
    return f"idic {verb} {rest}" if verb in GROUPED_VERBS and rest else f"idic {name}"


@pytest.mark.parametrize("name", sorted(_idic_commands()))
def test_command_and_its_options_are_documented(name):
    # given one of IDIC's management commands
    command = load_command_class(_idic_commands()[name], name)
    parser = command.create_parser("idic", name)
    # then docs/cli.md names it the way users type it
    assert _spoken(name) in CLI_DOC, f"document `{_spoken(name)}` in docs/cli.md"
    # and every option it takes
    options = {s for action in parser._actions for s in action.option_strings if s.startswith("--")}
    undocumented = sorted(o for o in options - DJANGO_DEFAULT_OPTIONS if o not in CLI_DOC)
    assert not undocumented, f"docs/cli.md lacks {undocumented} of `{_spoken(name)}`"


def test_every_setting_is_documented_in_readme():
    # given the environment variables settings.py reads
    settings_source = (ROOT / "src" / "idic" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'environ\.get\("([A-Z_]+)"', settings_source))
    # then the README's configuration table names each
    assert names, "settings.py reads no environment variables?"
    missing = sorted(n for n in names if f"`{n}`" not in README)
    assert not missing, f"README lacks {missing}"


def test_readme_states_the_two_commands_and_ci_calls_the_test_one():
    # given the README and CI script
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # then both commands are there and CI runs the test one
    assert "make run" in README and "make test" in README
    assert "make test" in ci
