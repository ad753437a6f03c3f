"""The build step of the voicecb package: puts libvoicecb inside it.

Everything declarative is in pyproject.toml; this file adds four things:

- ``build_py`` also copies the shared library into ``voicecb/``: the file
  named by ``VOICECB_PREBUILT_LIB`` when set, else the one that
  ``cargo build --release --lib --locked`` makes from the crate: the
  repository two levels up, or ``crate/`` inside an sdist;
- ``sdist`` puts the crate into ``crate/`` of the source archive, exactly
  the files that ``cargo package -p voicecb`` publishes (with a Cargo.toml
  and Cargo.lock of its own, outside the workspace), so that
  ``pip install voicecb-X.Y.Z.tar.gz`` builds the library with cargo;
- the distribution counts as binary, and ``bdist_wheel`` tags the wheel
  for this platform (``py3-none-<platform>``: the library is native, but
  the Python code uses ctypes only, so any Python 3 can load it); a release
  passes ``--plat-name manylinux_2_17_x86_64`` for a library built against
  glibc 2.17 (packaging/dist.sh);
- the version is the Rust crate's, as ``cargo metadata`` reads it.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import List, Optional

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
from setuptools.command.build_py import build_py as _build_py
from setuptools.command.sdist import sdist as _sdist
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


def crate_dir() -> Optional[Path]:
    """Where the crate is: ``crate/`` of an unpacked sdist, else the repository."""
    for d in (HERE / "crate", REPO):
        if (d / "Cargo.toml").is_file() and (d / "voicecb.map").is_file():
            return d
    return None


def cargo() -> str:
    return os.environ.get("CARGO", "cargo")


def crate_version() -> str:
    """The version of the Rust crate ``voicecb``, from ``cargo metadata``.

    Without cargo, an unpacked sdist still knows its version (PKG-INFO),
    which is what building it with ``VOICECB_PREBUILT_LIB`` needs."""
    crate = crate_dir()
    pkg_info = HERE / "PKG-INFO"
    if crate is None:
        raise SystemExit(f"voicecb: cannot find the crate: neither {HERE / 'crate'} nor {REPO} holds its Cargo.toml")
    cmd = [cargo(), "metadata", "--format-version", "1", "--no-deps", "--manifest-path", str(crate / "Cargo.toml")]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, check=False)
    except FileNotFoundError:
        if pkg_info.is_file():
            for line in pkg_info.read_text(encoding="utf-8").splitlines():
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
        raise SystemExit(f"voicecb: `{cargo()}` was not found: it reads the crate's version (install Rust)") from None
    if proc.returncode != 0:
        raise SystemExit(f"voicecb: `{' '.join(cmd)}` failed with exit status {proc.returncode} (see above)")
    for package in json.loads(proc.stdout)["packages"]:
        if package["name"] == PACKAGE:
            return str(package["version"])
    raise SystemExit(f"voicecb: `cargo metadata` of {crate} lists no package {PACKAGE}")


def cargo_build() -> Path:
    """Builds the library with cargo from the crate; returns its path."""
    crate = crate_dir()
    if crate is None:
        raise SystemExit(
            f"voicecb: cannot build libvoicecb: neither {HERE / 'crate'} nor {REPO} holds its Cargo.toml "
            "(is this a copy of bindings/python outside the repository? Build the sdist with "
            "`python -m build --sdist bindings/python`, which carries the crate). Or build the library with "
            "`cargo build --release --lib` and set VOICECB_PREBUILT_LIB to the path of "
            f"{lib_filename()}."
        )
    cmd = [
        cargo(),
        "build",
        "--release",
        "--lib",
        "--locked",
        "--manifest-path",
        str(crate / "Cargo.toml"),
        "--message-format=json-render-diagnostics",
    ]
    print(f"voicecb: running {' '.join(cmd)}", flush=True)
    try:
        proc = subprocess.run(cmd, cwd=str(crate), stdout=subprocess.PIPE, check=False)
    except FileNotFoundError:
        raise SystemExit(
            f"voicecb: `{cargo()}` was not found: install Rust (cargo) or set VOICECB_PREBUILT_LIB "
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


class sdist(_sdist):
    """sdist that also carries the crate, as ``cargo package`` publishes it."""

    def make_release_tree(self, base_dir: str, files: List[str]) -> None:
        super().make_release_tree(base_dir, files)
        if (HERE / "crate" / "Cargo.toml").is_file():
            # An sdist made from an unpacked sdist: its crate/ is a file of it.
            shutil.copytree(HERE / "crate", Path(base_dir) / "crate", dirs_exist_ok=True)
            return
        if not (REPO / "Cargo.toml").is_file():
            raise SystemExit(f"voicecb: no crate to put into the sdist ({REPO} holds no Cargo.toml)")
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [cargo(), "package", "-p", PACKAGE, "--locked", "--no-verify", "--target-dir", tmp]
            print(f"voicecb: running {' '.join(cmd)} in {REPO}", flush=True)
            try:
                subprocess.run(cmd, cwd=str(REPO), check=True)
            except (OSError, subprocess.CalledProcessError) as e:
                raise SystemExit(f"voicecb: `{' '.join(cmd)}` failed: {e}") from None
            crates = list((Path(tmp) / "package").glob(f"{PACKAGE}-*.crate"))
            if len(crates) != 1:
                raise SystemExit(f"voicecb: cargo package made {len(crates)} .crate files, expected one")
            with tarfile.open(crates[0]) as tar:
                if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.9.17+ backports
                    tar.extractall(tmp, filter="data")
                else:
                    tar.extractall(tmp)  # noqa: S202 (cargo's own archive, made just now)
            unpacked = Path(tmp) / crates[0].name[: -len(".crate")]  # the archive's top folder
            shutil.copytree(unpacked, Path(base_dir) / "crate")


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
    cmdclass={"build_py": build_py, "sdist": sdist, "bdist_wheel": bdist_wheel},
)
