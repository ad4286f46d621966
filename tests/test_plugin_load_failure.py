"""A VDK plugin that cannot be imported (issue 23: a vdk-plugin-control-cli newer than the
vdk-control-cli that pip could install beside JupyterHub) makes every `vdk` command fail; a
kernel's job_input then says which package failed and what to install, not "check config.ini"."""
from __future__ import annotations

import importlib
import importlib.metadata

import pytest

from vdk.plugin.notebook.kernel.kernel_job import JobStartError
from vdk.plugin.notebook.kernel.kernel_job import KernelJob


@pytest.fixture
def broken_plugin(tmp_path, monkeypatch):
    """An installed distribution whose VDK plugin imports a module its sibling package lacks,
    as vdk-plugin-control-cli 0.1.1431637373 imports command_groups.job.secrets."""
    site = tmp_path / "site"
    info = site / "newer_control_plugin-9.9.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: newer-control-plugin\nVersion: 9.9\n")
    (info / "entry_points.txt").write_text("[vdk.plugin.run]\nnewer-control = newer_control_plugin\n")
    (info / "RECORD").write_text("newer_control_plugin.py,,\n")
    (site / "newer_control_plugin.py").write_text(
        "from vdk.internal.control.command_groups.job.no_such_command import command\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield


def test_job_input_names_the_plugin_that_cannot_load_and_what_to_install(broken_plugin, tmp_path):
    pytest.importorskip("vdk.internal.control", reason="needs vdk-control-cli (jupyter extra)")
    control_cli = importlib.metadata.version("vdk-control-cli")
    job = tmp_path / "job"
    job.mkdir()
    (job / "config.ini").write_text("[owner]\nteam = t\n")
    with pytest.raises(JobStartError) as raised:
        KernelJob(job).job_input()
    message = str(raised.value)
    assert message.startswith("The VDK plugin 'newer-control' of package newer-control-plugin 9.9 "
                              "cannot be loaded (ModuleNotFoundError: No module named "
                              "'vdk.internal.control.command_groups.job.no_such_command')")
    assert f"which the installed vdk-control-cli {control_cli} does not have" in message
    assert 'pip install "vdk-jupyter[jupyter]"' in message
    assert "pip uninstall newer-control-plugin" in message
    assert "config.ini" not in message
