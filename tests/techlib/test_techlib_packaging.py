"""The shipped YAML files travel with the package, so a non-editable install finds them."""

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import setuptools

REPO = Path(__file__).resolve().parents[2]


def _copy_project(dest: Path) -> Path:
    """The files a build reads, copied so that the build never writes into the working tree."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    for package in ("hwcost",):
        if (REPO / package).is_dir():
            shutil.copytree(REPO / package, dest / package, ignore=ignore)
    return dest


def test_built_package_ships_and_finds_the_45nm_library(tmp_path: Path) -> None:
    # build_py is the build step that decides which package data a wheel holds.
    project = _copy_project(tmp_path / "project")
    build_lib = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", str(build_lib)],
        cwd=project, check=True, capture_output=True,
    )
    assert (build_lib / "hwcost" / "techlib" / "data" / "45nm.yaml").is_file()
    code = "import hwcost; lib = hwcost.load_techlib('45nm'); print(hwcost.__file__, lib.node_nm)"
    env = {**os.environ, "PYTHONPATH": str(build_lib)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    module_file, node = done.stdout.split()
    assert Path(module_file).is_relative_to(build_lib)
    assert node == "45.0"


_CAN_BUILD_WHEEL = importlib.util.find_spec("wheel") is not None or tuple(
    int(p) for p in setuptools.__version__.split(".")[:2]
) >= (70, 1)


@pytest.mark.skipif(not _CAN_BUILD_WHEEL, reason="needs the 'wheel' package or setuptools >= 70.1 (offline build)")
def test_wheel_contains_the_45nm_library(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist")],
        cwd=project, check=True, capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("hwcost-*.whl")
    assert "hwcost/techlib/data/45nm.yaml" in zipfile.ZipFile(wheel).namelist()
