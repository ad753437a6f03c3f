"""Finding the library, the ABI check, and (under run-tests.sh) the installed wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest

import voicecb
from voicecb import _native
from conftest import REPO


def import_in_subprocess(tmp_path: Path, env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    full = dict(os.environ)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import voicecb; print(voicecb.LIBRARY_PATH)"],
        cwd=str(tmp_path),
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_voicecb_library_names_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "libvoicecb.so"
    r = import_in_subprocess(tmp_path, {"VOICECB_LIBRARY": str(missing)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and str(missing) in r.stderr and "VOICECB_LIBRARY" in r.stderr


def test_voicecb_library_is_used_first(tmp_path: Path) -> None:
    copy = tmp_path / "copy" / _native.library_filename()
    copy.parent.mkdir()
    shutil.copyfile(voicecb.LIBRARY_PATH, copy)
    r = import_in_subprocess(tmp_path, {"VOICECB_LIBRARY": str(copy)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(copy)


def test_nothing_found_lists_every_place(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    places = [("the copy inside the package", tmp_path / "a.so"), ("the repository's release build", tmp_path / "b.so")]
    monkeypatch.delenv("VOICECB_LIBRARY", raising=False)
    monkeypatch.setattr(_native, "candidates", lambda: places)
    with pytest.raises(ImportError) as ei:
        _native.load()
    text = str(ei.value)
    assert "VOICECB_LIBRARY" in text
    for what, path in places:
        assert what in text and str(path) in text


def compile_stub(tmp_path: Path, abi: int) -> Optional[Path]:
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None or sys.platform != "linux":
        return None
    src = tmp_path / "stub.c"
    src.write_text(f"unsigned int voicecb_abi_version(void) {{ return {abi}; }}\n")
    out = tmp_path / f"libstub{abi}.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src)], check=True, timeout=60)
    return out


def test_abi_mismatch_is_an_import_error(tmp_path: Path) -> None:
    stub = compile_stub(tmp_path, 2)
    if stub is None:
        pytest.skip("no C compiler to build a stub library")
    r = import_in_subprocess(tmp_path, {"VOICECB_LIBRARY": str(stub)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "ABI version 2" in r.stderr and "ABI version 1" in r.stderr


def test_missing_functions_are_an_import_error(tmp_path: Path) -> None:
    stub = compile_stub(tmp_path, 1)
    if stub is None:
        pytest.skip("no C compiler to build a stub library")
    r = import_in_subprocess(tmp_path, {"VOICECB_LIBRARY": str(stub)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "voicecb_client_new" in r.stderr


def test_check_abi_compares_with_the_wrappers_version() -> None:
    class Fake:
        def __init__(self, abi: int) -> None:
            self.voicecb_abi_version = lambda: abi

    _native.check_abi(Fake(_native.ABI_VERSION), "fake")
    with pytest.raises(ImportError, match="ABI version 7"):
        _native.check_abi(Fake(7), "fake")


@pytest.mark.skipif(os.environ.get("VOICECB_EXPECT_INSTALLED") != "1", reason="only under run-tests.sh")
def test_the_installed_package_carries_its_library() -> None:
    package = Path(voicecb.__file__).resolve().parent
    assert package != REPO / "bindings" / "python" / "src" / "voicecb", "imported from the source tree"
    assert "site-packages" in package.parts, package
    assert "VOICECB_LIBRARY" not in os.environ
    assert Path(voicecb.LIBRARY_PATH) == package / _native.library_filename()
    assert (package / "py.typed").is_file()


@pytest.mark.skipif(os.environ.get("VOICECB_EXPECT_INSTALLED") != "1", reason="only under run-tests.sh")
def test_the_installed_package_carries_the_license() -> None:
    import importlib.metadata

    files = importlib.metadata.files("voicecb") or []
    licenses = [f for f in files if f.name == "LICENSE"]
    assert licenses, [str(f) for f in files]
    assert "Apache License" in licenses[0].read_text()
