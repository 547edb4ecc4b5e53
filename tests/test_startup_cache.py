"""What processes keep between them: the registry built once, read back the same, built
again whenever what it is built from changes, and never an error."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from cccd_analytics import registry, startup_cache

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CCCD_CACHE_DIR", str(tmp_path))
    return tmp_path


def _builds(monkeypatch) -> list[str]:
    """Each build `load_or_build` runs, by name."""
    made: list[str] = []
    real = startup_cache.load_or_build
    monkeypatch.setattr(
        startup_cache,
        "load_or_build",
        lambda name, sources, build: real(name, sources, lambda: made.append(name) or build()),
    )
    return made


def test_the_registry_read_back_is_the_one_built_from_the_files(kept, monkeypatch):
    made = _builds(monkeypatch)
    registry._built.cache_clear()
    try:
        first = registry._built()
        registry._built.cache_clear()
        again = registry._built()
    finally:
        registry._built.cache_clear()
    assert made == ["registry"]  # the second process's worth read it back
    assert again is not first
    fresh = registry._make_registry()
    pd.testing.assert_frame_equal(again["registry"], fresh)
    whole = registry._make_renamed_whole()
    assert again["renamed_whole"] == whole
    assert again["later_namesakes"] == registry._make_later_namesakes(fresh, whole)
    index = registry._make_index(fresh)
    for part in ("by_code", "provinces", "districts", "district_names"):
        assert again["index"][part] == index[part], part
    # The communes by every form of their names, asked as resolution asks them.
    names, built = again["index"]["communes"], index["communes"]
    for hierarchy, parent in list(built._members)[:40]:
        for name, _ in built.members(hierarchy, parent)[:5]:
            for form in ((registry.bare(name),), ("=", registry.bare_exact(name)), ("*",)):
                key = (hierarchy, parent, *form)
                assert names.get(key) == built.get(key), key


def test_a_changed_source_builds_again_and_keeps_the_newest_files(kept, tmp_path, monkeypatch):
    source = tmp_path / "source.csv"
    source.write_text("a\n1\n")
    calls: list[int] = []

    def build():
        calls.append(1)
        return {"rows": source.read_text()}

    assert startup_cache.load_or_build("x", [source], build) == {"rows": "a\n1\n"}
    assert startup_cache.load_or_build("x", [source], build) == {"rows": "a\n1\n"}
    assert len(calls) == 1
    first = source.stat()
    source.write_text("a\n1\n2\n")
    assert startup_cache.load_or_build("x", [source], build) == {"rows": "a\n1\n2\n"}
    assert len(calls) == 2
    source.write_text("a\n1\n")  # back as it was (another checkout): its file is still there
    os.utime(source, ns=(first.st_atime_ns, first.st_mtime_ns))
    assert startup_cache.load_or_build("x", [source], build) == {"rows": "a\n1\n"}
    assert len(calls) == 2
    for n in range(startup_cache.KEEP + 2):
        source.write_text("b" * (n + 1))
        startup_cache.load_or_build("x", [source], build)
    assert len(list(kept.glob("x-*.pickle"))) == startup_cache.KEEP  # the oldest removed


def test_an_unreadable_kept_file_or_folder_is_built_again_without_a_word(kept, tmp_path, monkeypatch):
    source = tmp_path / "source.csv"
    source.write_text("a\n")
    assert startup_cache.load_or_build("x", [source], lambda: 1) == 1
    (path,) = kept.glob("x-*.pickle")
    path.write_bytes(b"\x80\x05 cut short")
    assert startup_cache.load_or_build("x", [source], lambda: 2) == 2
    assert startup_cache.load_or_build("x", [source], lambda: 3) == 2  # written again whole
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("CCCD_CACHE_DIR", str(blocked / "cache"))  # no folder can be made there
    assert startup_cache.load_or_build("x", [source], lambda: 4) == 4
    monkeypatch.setenv("CCCD_CACHE_DIR", "")
    assert startup_cache.folder() is None
    assert startup_cache.load_or_build("y", [source], lambda: 5) == 5
    assert not list(kept.glob("y-*"))


def test_a_second_command_reads_the_registry_its_first_built(kept):
    probe = (
        "from cccd_analytics import registry\n"
        "built = []\n"
        "real = registry._make_registry\n"
        "registry._make_registry = lambda: built.append(1) or real()\n"
        "print(len(registry.load_registry()), len(built))\n"
    )
    env = {**os.environ, "CCCD_CACHE_DIR": str(kept)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, check=True
        )
        for _ in range(2)
    ]
    (count, built_first), (count_again, built_again) = (r.stdout.split() for r in runs)
    assert count == count_again == str(registry.official_unit_count())
    assert (built_first, built_again) == ("1", "0")
