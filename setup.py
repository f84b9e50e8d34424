"""Builds the check-up's optional compiled fast path (Cython); everything else is in pyproject.toml.

When Cython or a C compiler is missing, the build says so and goes on: therapycheck then
runs the same evaluation in plain Python (see core/checkup/_native.pyx).
"""

from __future__ import annotations

import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

NATIVE = "src/therapycheck/core/checkup/_native.pyx"


class OptionalBuildExt(build_ext):
    """Build the extension if possible; never fail the install because of it."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            _skipped(exc)

    def build_extension(self, ext):  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            _skipped(exc)


def _skipped(exc: Exception) -> None:
    print(f"therapycheck: compiled check-up not built ({exc}); using plain Python", file=sys.stderr)


def _extensions() -> list:  # type: ignore[type-arg]
    try:
        from Cython.Build import cythonize
    except ImportError as exc:
        _skipped(exc)
        return []
    return cythonize(
        [NATIVE],
        compiler_directives={"language_level": 3},
        quiet=True,
    )


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
