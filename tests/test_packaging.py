"""`pip install .` gives a working `cccd`: the package's files and its declared dependencies
are enough.

How, without the network and in seconds: a fresh venv gets the project installed for real
(`pip install --no-deps .`, a wheel built from pyproject.toml: package data included) and,
for its dependencies, only what pyproject.toml declares — the distributions of
`[project] dependencies` and everything those require in turn, taken from this suite's
own site-packages through a `.pth` file listing links to exactly their files.  Anything
the code imports that is not declared (nor required by what is declared) is missing there,
and the commands below fail.  Installing from PyPI would prove the same at the cost of
minutes and a network; `--system-site-packages` would prove nothing (every package of the
suite would be visible).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from tests.conftest import ROOT

KY_ANH = "Huyện Kỳ Anh — 87.000 thẻ CCCD trước 10/6/2021"


def _closure(requirements: list[str]) -> set[str]:
    """The distributions `requirements` need, with theirs in turn (markers evaluated)."""
    seen: set[str] = set()
    todo = [(Requirement(r), ()) for r in requirements]
    while todo:
        req, extras = todo.pop()
        env = default_environment()
        if req.marker and not any(req.marker.evaluate({**env, "extra": e}) for e in (extras or ("",))):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        dist = metadata.distribution(req.name)
        todo.extend((Requirement(r), tuple(req.extras)) for r in dist.requires or ())
    return {k.split("[")[0] for k in seen}


def _expose(names: set[str], target: Path) -> None:
    """A directory of links to the top-level packages and modules of these distributions."""
    target.mkdir()
    for name in names:
        dist = metadata.distribution(name)
        base = Path(dist.locate_file(""))
        tops = {Path(str(f)).parts[0] for f in dist.files or () if not str(f).startswith("..")}
        for top in tops:
            if (target / top).exists() or top.endswith(".pth"):
                continue
            (target / top).symlink_to(base / top)


def _libraries() -> list[str]:
    """Every library the package imports anywhere (at the top of a module or inside a function)."""
    names = set()
    for path in (ROOT / "cccd_analytics").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return sorted(names - set(sys.stdlib_module_names) - {"cccd_analytics"})


def test_pip_install_gives_a_working_cccd_with_only_the_declared_dependencies(tmp_path):
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = tmp_path / "deps"
    _expose(_closure(declared), deps)
    (site / "declared_dependencies.pth").write_text(f"{deps}\n")
    # The wheel is built (with this suite's setuptools) from a copy of the sources the
    # package is made of, then installed into the fresh venv without its dependencies.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "cccd_analytics", source / "cccd_analytics", ignore=shutil.ignore_patterns("__pycache__")
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    wheel = subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    (built,) = (tmp_path / "dist").glob("*.whl")
    install = subprocess.run(
        [*pip, "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(built)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    cccd = venv / "bin" / "cccd"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CCCD_DB_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
    }

    def run(*args: str) -> str:
        done = subprocess.run([cccd, *args], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stdout[-1500:], done.stderr[-2000:])
        return done.stdout

    assert "cách dùng: cccd" in run("--help")
    sample = ROOT / "sample_data" / "ky_anh_2021"
    run("ingest", str(sample / "observations.csv"))
    run("campaign", "add", str(sample / "campaign.toml"))
    status = json.loads(run("status", "--json", "--campaign", KY_ANH))
    assert status["units"] and status["as_of"]
    for kind in ("xlsx", "pdf", "pptx"):
        run("report", "--format", kind, "--out", str(tmp_path / f"b.{kind}"), "--no-map")
        assert (tmp_path / f"b.{kind}").stat().st_size > 1000
    # Libraries imported only when needed (calamine for spreadsheets, pdfplumber for PDFs,
    # rapidfuzz for unknown names, kaleido for PNGs …) are imported here one by one.
    lazy = subprocess.run(
        [python, "-c", "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)", *_libraries()],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert lazy.returncode == 0, lazy.stderr[-2000:]
    # The installed package, not this checkout; and the dashboard's seam imports too.
    where = subprocess.run(
        [python, "-c", "import cccd_analytics, cccd_analytics.ui; print(cccd_analytics.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr[-2000:]
    assert str(venv) in where.stdout
