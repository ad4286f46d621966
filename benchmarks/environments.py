"""The virtual environments the side-by-side benchmark runs `vdk` in, made under benchmarks/.work/.

Three environments with the same vdk-core and vdk-sqlite, so a ratio measured in one is fair to
the others:

- `base`: no notebook plugin at all (what a job without notebooks costs without us);
- `ours`: plus vdk-jupyter as a user installs it (`pip install vdk-jupyter`, no extras), built
  from this checkout and installed again at every benchmark run, so it measures the code as it is;
- `old`: plus the old vdk-notebook plugin from PyPI, which vdk-jupyter replaces.

Each is made once and kept (about a minute each with a warm pip cache). One is made again when
what it installs changes: the stamp file holds the requirements it was made from.
"""
from __future__ import annotations

import hashlib
import pathlib
import re
import subprocess
import sys
import venv
from typing import NamedTuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
COMMON = ("vdk-core", "vdk-sqlite")


class Environment(NamedTuple):
    name: str
    folder: pathlib.Path

    @property
    def python(self) -> pathlib.Path:
        return self.folder / "bin" / "python"

    @property
    def vdk(self) -> pathlib.Path:
        return self.folder / "bin" / "vdk"

    def distributions(self) -> list[str]:
        """The names of the distributions installed in it: what vdk-core scans at every start."""
        code = ("import importlib.metadata as m; "
                "print('\\n'.join(sorted({d.metadata['Name'].lower() for d in m.distributions()})))")
        return subprocess.run([str(self.python), "-c", code], check=True, capture_output=True,
                              text=True).stdout.split()


def _pip(env: Environment, *args: str) -> None:
    command = [str(env.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               *args]
    # VDK's source distributions build with pkg_resources: setuptools below 81 (see setup.sh).
    extra = {"PIP_CONSTRAINT": str(ROOT / "constraints.txt")}
    result = subprocess.run(command, env={**_environ(), **extra}, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(args)} into {env.folder} failed:\n"
                           f"{result.stdout[-2000:]}{result.stderr[-4000:]}")


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def _our_requirements() -> str:
    """What installing vdk-jupyter brings, as setup.py declares it: a change makes `ours` anew."""
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    match = re.search(r"install_requires=\[(.*?)\]", setup, re.DOTALL)
    return match.group(1) if match else setup


def _ensure(name: str, requirements: tuple[str, ...], stamp_text: str) -> Environment:
    env = Environment(name, WORK / f"venv-{name}")
    stamp = env.folder / "benchmark-stamp"
    wanted = hashlib.sha256((stamp_text + sys.version).encode()).hexdigest()
    if stamp.is_file() and stamp.read_text() == wanted and env.python.exists():
        return env
    print(f"  making the '{name}' environment in {env.folder} ...", file=sys.stderr)
    if env.folder.exists():
        import shutil

        shutil.rmtree(env.folder)
    venv.EnvBuilder(with_pip=True).create(env.folder)
    _pip(env, "setuptools<81", "pip")
    _pip(env, *requirements)
    stamp.write_text(wanted)
    return env


def prepare() -> dict[str, Environment]:
    """The three environments, made where missing or out of date; vdk-jupyter installed again
    into `ours` from this checkout."""
    WORK.mkdir(parents=True, exist_ok=True)
    base = _ensure("base", COMMON, "base")
    old = _ensure("old", COMMON + ("vdk-notebook",), "old")
    ours = _ensure("ours", COMMON + (str(ROOT),), "ours" + _our_requirements())
    # Not editable: a user's installation. --no-deps: the stamp keeps its dependencies current.
    _pip(ours, "--no-deps", "--force-reinstall", str(ROOT))
    return {"base": base, "ours": ours, "old": old}
