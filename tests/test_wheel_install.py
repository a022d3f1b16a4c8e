"""The built wheel, installed NON-editable into a fresh venv outside the checkout, carries
everything the app needs: the CLI runs, validates a sample it ships, a sample import goes
through its sandbox, and every icon the GUI uses loads.

The wheel is built without build isolation (setuptools comes from the test extra) and the
fresh venv borrows the test venv's installed dependencies through a .pth line, so the test
needs no network and no second copy of PySide6. The checkout is never on the fresh venv's
path: the commands run from tmp_path and the test checks where `sis_desktop` was loaded from.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import sis_desktop

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # seconds for any one command (a loaded CI machine); never a synchronisation


def _run(args, *, cwd, env=None, check=True, timeout=TIMEOUT) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"{args[0]} exited {result.returncode}\nstdout:\n{result.stdout}\n"
                    f"stderr:\n{result.stderr}")
    return result


class Installed:
    """A venv with the wheel installed; `script(name)` and `python` run from it."""

    def __init__(self, prefix: Path, work: Path):
        self.prefix, self.work = prefix, work
        bin_dir = prefix / ("Scripts" if os.name == "nt" else "bin")
        self.python = bin_dir / ("python.exe" if os.name == "nt" else "python")
        self.bin_dir = bin_dir

    def script(self, name: str) -> Path:
        for candidate in (self.bin_dir / name, self.bin_dir / f"{name}.exe"):
            if candidate.exists():
                return candidate
        raise AssertionError(f"{name} was not installed into {self.bin_dir}")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env

    def run(self, *args, check=True, **kwargs) -> subprocess.CompletedProcess:
        return _run(args, cwd=self.work, env=self.env(), check=check, **kwargs)

    def py(self, code: str) -> str:
        return self.run(self.python, "-c", code).stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    # build from a copy of the sources, so the build leaves nothing in the checkout
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "screenshots")
    for name in ("sis_desktop", "resources"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    wheels = base / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
          "--no-build-isolation", "-w", wheels, source], cwd=base)
    (wheel,) = wheels.glob("sis_desktop-*.whl")

    prefix = base / "venv with späces"  # a path a Windows or macOS user may well have
    venv.EnvBuilder(with_pip=False).create(prefix)
    target = Installed(prefix, base / "work")
    target.work.mkdir()
    _run([sys.executable, "-m", "pip", "--python", target.python, "install", "-q",
          "--no-deps", "--no-index", wheel], cwd=base)
    # the dependencies (PySide6, requests, keyring…) come from the test venv, after the
    # venv's own site-packages; a plain path in a .pth adds no editable finder of the checkout
    purelib = Path(_run([target.python, "-c",
                         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=base).stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_sis_desktop_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    return target


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    where = json.loads(installed.py(
        "import json, sis_desktop; from sis_desktop.core import bundled;"
        "print(json.dumps([sis_desktop.__file__, str(bundled.root())]))"))
    for path in where:
        assert Path(path).resolve().is_relative_to(installed.prefix.resolve()), path
        assert not Path(path).resolve().is_relative_to(ROOT), path


def test_cli_version(installed):
    out = installed.run(installed.script("sis-desktop-cli"), "--version").stdout
    assert out.strip() == f"sis-desktop-cli {sis_desktop.__version__}"


def test_validate_a_shipped_sample(installed):
    samples = json.loads(installed.py(
        "import json; from sis_desktop.core import bundled;"
        "print(json.dumps([str(bundled.sample(n)) for n in bundled.sample_names()]))"))
    names = {Path(p).name for p in samples}
    assert {"users.csv", "courses.csv", "sample_import.zip"} <= names
    users = next(p for p in samples if p.endswith("users.csv"))
    result = installed.run(installed.script("sis-desktop-cli"), "validate", "--json", users)
    report = json.loads(result.stdout)
    assert report  # the validator read the shipped file (exit 0: no errors)


def test_sandbox_serves_a_shipped_sample_import(installed):
    sample = installed.py("from sis_desktop.core import bundled;"
                          "print(bundled.sample('sample_import.zip'))")
    cli = installed.script("sis-desktop-cli")
    server = subprocess.Popen([str(cli), "sandbox", "--speed", "100"], cwd=installed.work,
                              env=installed.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first.startswith("Canvas sandbox running at "), first + server.stderr.read()
        url = first.split(" at ", 1)[1].strip()
        env = installed.env() | {"CANVAS_API_TOKEN": "sandbox"}
        result = _run([cli, "--url", url, "--account", "1", "import", sample, "--wait",
                       "--json"], cwd=installed.work, env=env)
        final = json.loads(result.stdout)
        assert final["workflow_state"] in ("imported", "imported_with_messages"), final
        assert final["data"]["counts"]["users"] > 0
    finally:
        if os.name == "nt":
            server.terminate()
        else:
            server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=TIMEOUT)
    if os.name != "nt":
        assert "Sandbox stopped." in out


ICON_CHECK = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from sis_desktop.core import bundled
from sis_desktop.gui import icons
used = {name: getattr(icons, name)() for name in dir(icons) if name.endswith("_icon")}
shipped = {name: icons.icon(name) for name in bundled.icon_names()}
bad = [name for name, icon in {**used, **shipped}.items()
       if icon.isNull() or icon.pixmap(32, 32).isNull()]
print(len(used), len(shipped), ",".join(bad))
"""


def test_every_gui_icon_loads(installed):
    used, shipped, bad = (installed.py(ICON_CHECK).splitlines()[-1].split(" ") + [""])[:3]
    assert int(used) >= 8 and int(shipped) >= 8
    assert bad == "", f"icons that do not load from the wheel: {bad}"


def test_the_gui_starts_from_the_wheel(installed):
    env = installed.env() | {"SIS_DESKTOP_SHOWN_EXIT": "1"}
    result = _run([installed.script("sis-desktop"), "--sandbox"], cwd=installed.work, env=env)
    assert "sis-desktop-painted" in result.stdout, result.stdout + result.stderr
