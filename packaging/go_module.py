#!/usr/bin/env python3
"""Writes the Go module as a release publishes it, and a module proxy folder.

    go_module.py --version 0.1.0 --out dist/go --proxy dist/goproxy \
        --lib linux-amd64=build/.../libvoicecb.a='-lc -lm ...' [--lib linux-arm64=...]

dist/go is bindings/go at the release tag (README.md, "Releasing"): the
package sources without the tests (they need the repository's sandbox and
vectors), the header under include/, one prebuilt libvoicecb.a per platform
under lib/<goos>-<goarch>/, and link files naming those by ${SRCDIR}. Each of
those folders holds a one-line Go package and vendor_keep.go imports them
all, so that `go mod vendor` copies the headers and archives too (it copies
only package folders; the wasmtime-go pattern).

The proxy folder serves that module as GOPROXY=file://... does: @v/list,
.info, .mod and the .zip with every file under <module>@<version>/.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "bindings" / "go"
# The repository's files that only make sense inside it.
REPLACED = {"link.go", "link_include.go", "link_unsupported.go"}
KEEP_TAG = "voicecb_vendor_keep"
# A fixed time for zip entries, so the same inputs give the same zip.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def module_path() -> str:
    m = re.search(r"^module\s+(\S+)", (SRC / "go.mod").read_text(encoding="utf-8"), re.M)
    if not m:
        raise SystemExit(f"go_module: no module line in {SRC / 'go.mod'}")
    return m.group(1)


def go_package_name(folder: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", folder)


def platform(spec: str) -> tuple[str, str, Path, str]:
    """linux-amd64=path/libvoicecb.a=-lc -lm ... -> (goos, goarch, path, libs)."""
    try:
        plat, path, libs = spec.split("=", 2)
        goos, goarch = plat.split("-")
    except ValueError:
        raise SystemExit(f"go_module: --lib must be <goos>-<goarch>=<libvoicecb.a>=<native libs>, got {spec!r}") from None
    if not libs.strip().startswith("-l"):
        raise SystemExit(f"go_module: --lib {plat}: the native libraries ({libs!r}) are not a list of -l flags")
    archive = Path(path)
    if not archive.is_file():
        raise SystemExit(f"go_module: --lib {plat}: {archive} is not a file")
    return goos, goarch, archive, libs.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def placeholder(folder: Path, what: str) -> None:
    write(
        folder / "keep.go",
        f"// Package {go_package_name(folder.name)} holds {what}; it has no Go code. It is a\n"
        f"// package only so that `go mod vendor` copies this folder (vendor_keep.go).\n"
        f"package {go_package_name(folder.name)}\n",
    )


def build_tree(out: Path, version: str, libs: list[tuple[str, str, Path, str]]) -> None:
    mod = module_path()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for f in sorted(SRC.iterdir()):
        if f.is_file() and f.name not in REPLACED and (
            (f.suffix == ".go" and not f.name.endswith("_test.go")) or f.name in ("go.mod", "README.md")
        ):
            shutil.copy2(f, out / f.name)
    shutil.copy2(ROOT / "LICENSE", out / "LICENSE")
    (out / "include").mkdir()
    shutil.copy2(ROOT / "include" / "voicecb.h", out / "include" / "voicecb.h")
    placeholder(out / "include", "the C header of libvoicecb")

    head = f"// Written by packaging/go_module.py for release v{version}; see README.md.\n"
    ldflags = []
    keep = [f"{mod}/include"]
    for goos, goarch, archive, native in libs:
        folder = f"{goos}-{goarch}"
        (out / "lib" / folder).mkdir(parents=True)
        shutil.copy2(archive, out / "lib" / folder / "libvoicecb.a")
        placeholder(out / "lib" / folder, f"libvoicecb.a for {goos}/{goarch}")
        ldflags.append(f"// #cgo {goos},{goarch} LDFLAGS: ${{SRCDIR}}/lib/{folder}/libvoicecb.a {native}")
        keep.append(f"{mod}/lib/{folder}")
    supported = " && ".join(f"!({goos} && {goarch})" for goos, goarch, _, _ in libs)

    write(
        out / "link.go",
        "//go:build !voicecb_external && !voicecb_dynamic\n\npackage voicecb\n\n"
        + head
        + "// Links the prebuilt static library of this module for the platform, by\n"
        "// its path (the linker cannot pick a libvoicecb.so instead), plus the\n"
        "// native libraries rustc reported for it. The program needs no\n"
        "// libvoicecb.so and no Rust. `-tags voicecb_dynamic` links an installed\n"
        "// libvoicecb.so through pkg-config instead.\n\n"
        + "\n".join(ldflags)
        + '\nimport "C"\n',
    )
    write(
        out / "link_include.go",
        "//go:build !voicecb_dynamic\n\npackage voicecb\n\n" + head + "\n"
        "// #cgo CFLAGS: -I${SRCDIR}/include\nimport \"C\"\n",
    )
    write(
        out / "link_unsupported.go",
        f"//go:build !voicecb_external && !voicecb_dynamic && {supported}\n\npackage voicecb\n\n"
        + head
        + "// This release has no prebuilt library for this platform: build with\n"
        "// `-tags voicecb_dynamic` against an installed libvoicecb (pkg-config), or\n"
        "// with `-tags voicecb_external` and the link line in CGO_LDFLAGS. The\n"
        "// undefined name stops the build with this pointer instead of a wall of\n"
        "// undefined C symbols.\n"
        "var _ = voicecb_no_prebuilt_library_for_this_platform_build_with_tag_voicecb_dynamic_see_README\n",
    )
    imports = "".join(f'\t_ "{k}"\n' for k in keep)
    write(
        out / "vendor_keep.go",
        f"//go:build {KEEP_TAG}\n\npackage voicecb\n\n" + head + "\n"
        "// Never built (no one sets the tag). `go mod vendor` copies only the\n"
        "// folders of imported packages, whatever their build tags; importing\n"
        "// these makes it copy the header and the prebuilt libraries too\n"
        "// (golang/go#26366).\n"
        f"import (\n{imports})\n",
    )
    # gofmt decides the layout of generated code, not this script.
    subprocess.run(["gofmt", "-w", "."], cwd=out, check=True)


def commit_time() -> str:
    try:
        t = subprocess.run(
            ["git", "log", "-1", "--format=%cI"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        t = ""
    return t or "2020-01-01T00:00:00Z"


def build_proxy(tree: Path, proxy: Path, version: str) -> Path:
    mod = module_path()
    v = f"v{version}"
    if mod.lower() != mod:
        raise SystemExit(f"go_module: {mod} has capitals: the proxy path would need !-escaping")
    at = proxy / mod / "@v"
    if proxy.exists():
        shutil.rmtree(proxy)
    at.mkdir(parents=True)
    (at / "list").write_text(v + "\n", encoding="utf-8")
    (at / f"{v}.info").write_text(json.dumps({"Version": v, "Time": commit_time()}) + "\n", encoding="utf-8")
    shutil.copy2(tree / "go.mod", at / f"{v}.mod")
    zpath = at / f"{v}.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(p for p in tree.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{mod}@{v}/{f.relative_to(tree).as_posix()}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, f.read_bytes())
    return zpath


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True, help="the crate's version, e.g. 0.1.0 (the tag is v0.1.0)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--proxy", required=True, type=Path)
    ap.add_argument("--lib", action="append", required=True, help="<goos>-<goarch>=<libvoicecb.a>=<native libs>")
    a = ap.parse_args()
    if not re.fullmatch(r"\d+\.\d+\.\d+", a.version):
        raise SystemExit(f"go_module: --version must be X.Y.Z, got {a.version!r}")
    libs = [platform(s) for s in a.lib]
    build_tree(a.out, a.version, libs)
    z = build_proxy(a.out, a.proxy, a.version)
    print(f"go_module: {a.out} and {z}", file=sys.stderr)


if __name__ == "__main__":
    main()
