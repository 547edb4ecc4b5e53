"""Every interface text has an English version; the Vietnamese UI has no English of ours."""

import ast
from pathlib import Path

from cccd_analytics import i18n

ROOT = Path(__file__).resolve().parents[1]


def t_literals():
    files = (
        list((ROOT / "pages").glob("*.py"))
        + list((ROOT / "cccd_analytics").rglob("*.py"))
        + [ROOT / "dashboard.py"]
    )
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield path.relative_to(ROOT), arg.value


def test_every_text_has_an_english_version():
    missing = sorted({(str(p), text) for p, text in t_literals() if text not in i18n.EN})
    assert not missing, "\n".join(f"{p}: {text!r}" for p, text in missing)


def test_english_keeps_the_same_fields():
    import string

    for vi, en in i18n.EN.items():
        fields_vi = {f for _, f, _, _ in string.Formatter().parse(vi) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        assert fields_vi == fields_en, vi


def test_language_switches_per_thread():
    import threading

    i18n.set_language("en")
    seen = []
    worker = threading.Thread(target=lambda: seen.append(i18n.t("Đã thu nhận")))
    worker.start()
    worker.join()
    assert i18n.t("Đã thu nhận") == "Collected" and seen == ["Đã thu nhận"]
    i18n.set_language("vi")


def test_label_collections_shown_through_t_have_english():
    from cccd_analytics.analytics import capacity, metrics, quality

    labels = [
        *metrics.STATUS_LABELS.values(),
        *quality.CHECKS.values(),
        *quality.SEVERITY_LABELS.values(),
        *capacity.LABELS.values(),
    ]
    assert [x for x in labels if x not in i18n.EN] == []
