"""Build hook: the top-level `resources/` folder (demo shop, icons) travels inside the wheel as
`ftcurate/resources/`, so an installed ftcurate finds it next to its code (see ftcurate/paths.py)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    """Copy resources/ into the built package; the source checkout keeps one copy at the top."""

    def run(self) -> None:
        super().run()
        src = ROOT / "resources"
        if src.is_dir():
            dst = Path(self.build_lib) / "ftcurate" / "resources"
            shutil.copytree(src, dst, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithResources})
