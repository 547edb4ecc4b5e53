"""The data-quality rules are defined once (cccd_analytics.rules): import and the quality page
take every severity and label from there."""

import ast
from pathlib import Path

import pandas as pd

from cccd_analytics import ingest, rules
from cccd_analytics.analytics import quality
from tests.conftest import ROOT, write


def _codes_used_by_import() -> set[str]:
    codes = set()
    for path in (ROOT / "cccd_analytics" / "ingest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "of":
                if node.args and isinstance(node.args[0], ast.Constant):
                    codes.add(node.args[0].value)
    return codes


def test_every_problem_import_reports_is_a_rule_and_names_no_severity_of_its_own():
    used = _codes_used_by_import()
    assert used and used <= set(rules.RULES)
    for path in (ROOT / "cccd_analytics" / "ingest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem":
                raise AssertionError(f"{Path(path).name}:{node.lineno}: Problem(...) with its own severity")


def test_the_quality_page_labels_its_checks_as_the_rules_do():
    for code, text in quality.CHECKS.items():
        assert text == rules.label(code) and rules.RULES[code].label


def test_returned_above_collected_is_a_warning_at_import_and_on_the_quality_page(tmp_path):
    csv = (
        "date,province,district,commune,collected,returned\n"
        "2021-03-15,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,300,200\n"
        "2021-03-16,Tỉnh Hà Tĩnh,Huyện Kỳ Anh,Xã Kỳ Tân,310,350\n"
    )
    report = ingest.import_file(None, write(tmp_path / "a.csv", csv))
    (problem,) = [p for p in report.problems if p.code == "returned_above_collected"]
    obs = report.observations.assign(date=lambda f: pd.to_datetime(f["date"]), upload_id=1)
    from cccd_analytics import registry

    units = registry.load_registry()
    found = quality.findings(obs, units, None)
    (finding,) = found[found["check"] == "returned_above_collected"].itertuples()
    assert problem.severity == finding.severity == "warning" == rules.severity("returned_above_collected")
    assert rules.RULES["returned_above_collected"].why  # the decision is written down
