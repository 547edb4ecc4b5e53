"""The README keeps up with the product: every CLI command and the two commands are documented."""

from cccd_analytics.cli import build_parser
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = [name for name in commands if f"cccd {name}" not in README]
    assert not missing, missing


def test_ci_runs_exactly_the_readme_test_command():
    run = (ROOT / ".ci" / "run").read_text()
    assert "./dev test" in README and "./dev dashboard" in README
    assert [line for line in run.splitlines() if line.startswith("exec ")] == ["exec ./dev test"]
