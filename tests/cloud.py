"""The cloud's part in the tests: what the Control Service's job builder and runtime do with an
uploaded archive, on this machine.

As the job builder does: the archive is unpacked into a folder named after the job, a fresh
virtual environment gets the runtime's VDK (vdk-core and a database plugin, here vdk-sqlite)
and then the job's requirements.txt; the job runs as `vdk run ./<job>` from the folder above
it, a working directory that is not the job's. vdk-jupyter comes from the wheel of this very
checkout, built once per test session. Building an environment takes a while, so one is made
per distinct requirements.txt and reused, as the builder reuses image layers.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import zipfile

PROJECT = pathlib.Path(__file__).resolve().parent.parent
RUNTIME_PACKAGES = ["vdk-core", "vdk-sqlite"]


def build_wheel(into: pathlib.Path) -> pathlib.Path:
    """This checkout as a wheel (the way it is published), in `into`."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(into), str(PROJECT)],
                   check=True, env=_pip_env(), timeout=300)
    return next(into.glob("vdk_jupyter-*.whl"))


class CloudRuntime:
    def __init__(self, wheels: pathlib.Path, workspace: pathlib.Path, database: pathlib.Path):
        self.wheels = wheels
        self.workspace = workspace
        self.database = database  # where deployed jobs write (VDK_SQLITE_FILE)
        self._environments: dict[str, pathlib.Path] = {}
        self._lock = threading.Lock()
        self._runs = 0

    def run(self, job_name: str, archive: bytes) -> tuple[str, str]:
        """Builds and runs the archive; returns the execution status the service reports
        (succeeded, user_error, platform_error) and the job's log."""
        with self._lock:
            self._runs += 1
            workdir = self.workspace / f"execution-{self._runs}"
        job_dir = _unpack(archive, workdir, job_name)
        requirements = job_dir / "requirements.txt"
        venv, build_log = self._environment(requirements.read_text() if requirements.is_file()
                                            else "")
        if venv is None:
            return "user_error", f"Installing requirements.txt failed:\n{build_log}"
        termination = workdir / "termination.json"
        env = {"PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
               "HOME": os.environ.get("HOME", str(workdir)),
               "VDK_DB_DEFAULT_TYPE": "SQLITE", "VDK_SQLITE_FILE": str(self.database),
               "VDK_INGEST_METHOD_DEFAULT": "sqlite",
               "VDK_TEMPORARY_WRITE_DIRECTORY": str(workdir / "tmp"),
               "VDK_TERMINATION_MESSAGE_WRITER_OUTPUT_FILE": str(termination),
               # The Control Service sets it in every job container (JobEnvVar in its model).
               "VDK_OP_ID": f"op-{self._runs}"}
        result = subprocess.run([str(venv / "bin" / "vdk"), "run", f"./{job_name}"],
                                cwd=workdir, env=env, capture_output=True, text=True,
                                timeout=300)
        logs = result.stdout + result.stderr
        if result.returncode == 0:
            return "succeeded", logs
        status = json.loads(termination.read_text())["status"] if termination.exists() else ""
        return ("platform_error" if status == "Platform error" else "user_error"), logs

    def _environment(self, requirements: str) -> tuple[pathlib.Path | None, str]:
        key = hashlib.sha1(requirements.encode()).hexdigest()[:12]
        with self._lock:
            if key in self._environments:
                return self._environments[key], ""
            venv = self.workspace / f"venv-{key}"
            file = self.workspace / f"requirements-{key}.txt"
            file.write_text(requirements)
            steps = [[sys.executable, "-m", "venv", str(venv)],
                     [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                      "setuptools<81", *RUNTIME_PACKAGES],
                     [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                      "--find-links", str(self.wheels), "-r", str(file)]]
            for step in steps:
                done = subprocess.run(step, capture_output=True, text=True, env=_pip_env(),
                                      timeout=600)
                if done.returncode != 0:
                    shutil.rmtree(venv, ignore_errors=True)
                    return None, done.stdout + done.stderr
            self._environments[key] = venv
            return venv, ""


def _unpack(archive: bytes, workdir: pathlib.Path, job_name: str) -> pathlib.Path:
    """As the service stores an upload: the archive's top folder becomes `<job_name>/`."""
    job_dir = workdir / job_name
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        for member in zipped.infolist():
            parts = pathlib.PurePosixPath(member.filename).parts[1:]
            if not parts or member.is_dir():
                continue
            target = job_dir.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zipped.read(member))
    return job_dir


def _pip_env() -> dict[str, str]:
    """pip as this project's setup uses it: setuptools below 81 for VDK's source packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VDK_")}
    env["PIP_CONSTRAINT"] = str(PROJECT / "constraints.txt")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env
