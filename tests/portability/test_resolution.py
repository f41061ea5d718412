"""Every locked package has a wheel for every platform the course promises, on CPython 3.11, 3.12 and 3.13.

pip's dry run resolves each lock (requirements/<role>.txt) for another platform and Python with
``--only-binary=:all: --platform ... --python-version ...``. pip evaluates environment markers against the
interpreter that runs it, not the target, so the test first keeps the pins whose markers hold on the target
(packaging's marker evaluation with that platform's environment), then asks pip for exactly those, with their
hashes and ``--no-deps`` (the lock is complete: uv resolved it for every platform).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.portability import locks

PYTHONS = ("3.11", "3.12", "3.13")
# platform: (pip's --platform tags, the marker environment there)
GLIBC = ("manylinux_2_39", "manylinux_2_35", "manylinux_2_28", "manylinux_2_27", "manylinux_2_17", "manylinux2014")
PLATFORMS = {
    "linux-x86_64": ([f"{tag}_x86_64" for tag in GLIBC], {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
                                                          "os_name": "posix"}),
    "linux-aarch64": ([f"{tag}_aarch64" for tag in GLIBC], {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64",
                                                            "os_name": "posix"}),
    "macos-arm64": (["macosx_14_0_arm64"], {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64", "os_name": "posix"}),
    "windows-amd64": (["win_amd64"], {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt"}),
}
# Which locks each platform must install: students' everywhere; the grader (bubblewrap, cgroups) and the
# book's build on Linux and macOS; development where the tests run (Linux).
ROLES_ON = {"linux-x86_64": locks.ROLES, "linux-aarch64": locks.ROLES, "macos-arm64": ("course", "book"), "windows-amd64": ("course",)}


def marker_environment(platform: str, python: str) -> dict[str, str]:
    return {**PLATFORMS[platform][1], "python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}


def chosen(platform: str, python: str) -> dict[str, locks.Pin]:
    """The pins the platform's locks install there, by name (one pin per package: the locks agree)."""
    found = {}
    for role in ROLES_ON[platform]:
        for pin in locks.pins(role):
            if pin.applies(marker_environment(platform, python)):
                assert found.setdefault(pin.name, pin).version == pin.version, f"{role} lock disagrees on {pin.name} ({platform}, {python})"
    return found


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_gets_one_tensorflow_build(platform, python):
    """Markers only (no network): the build each platform has, once, in every lock that holds TensorFlow."""
    expected = "tensorflow-cpu" if platform in {"linux-x86_64", "windows-amd64"} else "tensorflow"
    for role in ROLES_ON[platform]:
        names = {pin.name for pin in locks.pins(role) if pin.applies(marker_environment(platform, python))}
        assert names & {"tensorflow", "tensorflow-cpu"} == {expected}, f"{role} lock on {platform}, Python {python}"


@pytest.mark.platforms
@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_locks_resolve_to_wheels(platform, python, tmp_path):
    wanted = tmp_path / "wanted.txt"
    wanted.write_text("\n".join(pin.line() for pin in chosen(platform, python).values()) + "\n")
    tags = [argument for tag in PLATFORMS[platform][0] for argument in ("--platform", tag)]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps", "--only-binary=:all:", "--require-hashes",
         *tags, "--python-version", python, "--implementation", "cp", "--target", tmp_path / "target", "-r", wanted],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"the locks of {', '.join(ROLES_ON[platform])} on {platform}, Python {python}:\n{result.stderr[-3000:]}"


@pytest.mark.platforms
def test_a_platform_without_a_tensorflow_wheel_fails_the_check(tmp_path):
    """The check can fail: TensorFlow 2.21 publishes no wheel for macOS on Intel (README: use Colab or Linux)."""
    (pin,) = [pin for pin in locks.pins("course") if pin.name == "tensorflow"]
    wanted = Path(tmp_path / "tensorflow.txt")
    wanted.write_text(pin.line() + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps", "--only-binary=:all:", "--platform", "macosx_12_0_x86_64",
         "--python-version", "3.12", "--implementation", "cp", "--target", tmp_path / "target", "-r", wanted], capture_output=True, text=True)
    assert result.returncode != 0 and "tensorflow" in result.stderr.lower()
