"""Presentation mode renders under AppTest: slides step forward and back, figures in Vietnamese."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(sample_url, monkeypatch):
    monkeypatch.setenv("CCCD_DB_URL", sample_url)
    monkeypatch.setenv("CCCD_DEMO_ROLE", "leader")  # no sign-in form (demo mode, no accounts)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/presentation.py")
    return at.run()


def shown(at) -> str:
    parts = [str(getattr(e, "proto", "")) for e in at.get("html")]
    parts += [m.value for m in at.markdown]
    return "\n".join(parts)


def test_presentation_steps_through_the_briefing(app):
    assert not app.exception
    assert "Cao điểm 70 ngày, đêm — Nghệ An 2023" in shown(app)
    assert "Trang 1/" in shown(app)
    app.button(key="slide_next").click().run()
    assert not app.exception
    assert "Tình hình chung" in shown(app) and "2.365.662" in shown(app)
    seen = set()
    while not app.button(key="slide_next").disabled:
        app.button(key="slide_next").click().run()
        assert not app.exception
        seen.add(shown(app).split("Trang ")[1][:6])
    assert len(seen) >= 10
    assert "Lưu ý về số liệu" in shown(app)
    app.button(key="slide_first").click().run()
    assert "Trang 1/" in shown(app)
