"""The build step of the voicecb wheel: puts libvoicecb inside the package.

Everything declarative is in pyproject.toml; this file adds three things:

- ``build_py`` also copies the shared library into ``voicecb/``: the file
  named by ``VOICECB_PREBUILT_LIB`` when set, else the one that
  ``cargo build --release --lib --locked`` makes in the repository two
  levels up;
- the distribution counts as binary, and ``bdist_wheel`` tags the wheel
  for this platform (``py3-none-<platform>``: the library is native, but
  the Python code uses ctypes only, so any Python 3 can load it);
- the version is the Rust crate's, read from ``Cargo.toml``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build_py import build_py as _build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PACKAGE = "voicecb"


def lib_filename() -> str:
    """The platform's file name of the shared library."""
    if sys.platform == "darwin":
        return "libvoicecb.dylib"
    if sys.platform == "win32":
        return "voicecb.dll"
    return "libvoicecb.so"


def crate_version() -> str:
    """The version of the Rust crate (``[package] version`` of Cargo.toml)."""
    cargo_toml = REPO / "Cargo.toml"
    if cargo_toml.is_file():
        in_package = False
        for line in cargo_toml.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line.startswith("["):
                in_package = line == "[package]"
            elif in_package:
                m = re.match(r'version\s*=\s*"([^"]+)"', line)
                if m:
                    return m.group(1)
    pkg_info = HERE / "PKG-INFO"  # building from an sdist
    if pkg_info.is_file():
        for line in pkg_info.read_text(encoding="utf-8").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    raise SystemExit(f"voicecb: cannot find the crate's version: no [package] version in {cargo_toml}")


def cargo_build() -> Path:
    """Builds the library with cargo in the repository; returns its path."""
    if not (REPO / "Cargo.toml").is_file():
        raise SystemExit(
            f"voicecb: cannot build libvoicecb: {REPO} holds no Cargo.toml (is this a copy of "
            "bindings/python outside the repository?). Build the library with "
            "`cargo build --release --lib` and set VOICECB_PREBUILT_LIB to the path of "
            f"{lib_filename()}."
        )
    cargo = os.environ.get("CARGO", "cargo")
    cmd = [cargo, "build", "--release", "--lib", "--locked", "--message-format=json-render-diagnostics"]
    print(f"voicecb: running {' '.join(cmd)} in {REPO}", flush=True)
    try:
        proc = subprocess.run(cmd, cwd=str(REPO), stdout=subprocess.PIPE, check=False)
    except FileNotFoundError:
        raise SystemExit(
            f"voicecb: `{cargo}` was not found: install Rust (cargo) or set VOICECB_PREBUILT_LIB "
            f"to an already built {lib_filename()}."
        ) from None
    if proc.returncode != 0:
        raise SystemExit(f"voicecb: `{' '.join(cmd)}` failed with exit status {proc.returncode} (see above)")
    found: Optional[Path] = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        target = msg.get("target") or {}
        if msg.get("reason") == "compiler-artifact" and target.get("name") == PACKAGE and "cdylib" in target.get("kind", []):
            for name in msg.get("filenames", []):
                if Path(name).name == lib_filename():
                    found = Path(name)
    if found is None or not found.is_file():
        raise SystemExit(f"voicecb: cargo succeeded but reported no {lib_filename()} (is the crate still a cdylib?)")
    return found


def native_library() -> Path:
    """The library to put in the wheel: VOICECB_PREBUILT_LIB, or a fresh cargo build."""
    prebuilt = os.environ.get("VOICECB_PREBUILT_LIB")
    if prebuilt:
        given = Path(prebuilt).expanduser()
        # pip runs this in bindings/python, not where it was started: a
        # relative path is taken from the repository root first.
        tries = [given] if given.is_absolute() else [REPO / given, Path.cwd() / given]
        path = next((p.resolve() for p in tries if p.is_file()), None)
        if path is None:
            raise SystemExit(
                f"voicecb: VOICECB_PREBUILT_LIB names {prebuilt}, which is not a file "
                f"(looked at {', '.join(str(p) for p in tries)})"
            )
        print(f"voicecb: using the prebuilt library {path}", flush=True)
        return path
    return cargo_build()


class build_py(_build_py):
    """build_py that also puts the shared library into the package."""

    def run(self) -> None:
        super().run()
        library = native_library()
        if getattr(self, "editable_mode", False):
            # An editable install imports from src/; the package finds the
            # library in target/ (its development fallback), so copy nothing.
            return
        dest = self._library_dest()
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, dest)
        os.chmod(dest, 0o755)

    def _library_dest(self) -> Path:
        return Path(self.build_lib) / PACKAGE / lib_filename()

    def get_outputs(self, include_bytecode: bool = True) -> List[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            outputs.append(str(self._library_dest()))
        return outputs


class BinaryDistribution(Distribution):
    """A distribution with native code: installed into platlib, and its
    wheel is not pure."""

    def has_ext_modules(self) -> bool:
        return True


class bdist_wheel(_bdist_wheel):
    """A platform wheel (it carries a native library) for any Python 3."""

    def get_tag(self):  # type: ignore[no-untyped-def]
        _python, _abi, plat = super().get_tag()
        return "py3", "none", plat


setup(
    version=crate_version(),
    distclass=BinaryDistribution,
    cmdclass={"build_py": build_py, "bdist_wheel": bdist_wheel},
)
