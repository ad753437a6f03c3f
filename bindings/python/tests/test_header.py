"""The wrapper's ctypes declarations against include/voicecb.h."""

from __future__ import annotations

import ctypes
import re
from ctypes import POINTER
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import voicecb
from voicecb import _errors, _native, _notify
from conftest import REPO

HEADER = REPO / "include" / "voicecb.h"
PACKAGE_DIR = Path(voicecb.__file__).resolve().parent


def header_text() -> str:
    if not HEADER.is_file():
        pytest.fail(f"{HEADER} not found")
    return HEADER.read_text(encoding="utf-8")


def parse_functions() -> Dict[str, Tuple[str, List[str]]]:
    """name -> (return type, [parameter types]) of every function of the header."""
    text = header_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    functions: Dict[str, Tuple[str, List[str]]] = {}
    for m in re.finditer(r"([A-Za-z_][\w \t\*]*?)\b(voicecb_\w+)\s*\(([^()]*)\)\s*;", text):
        ret = " ".join(m.group(1).replace("*", " * ").split())
        params = []
        raw = " ".join(m.group(3).split())
        if raw and raw != "void":
            for p in raw.split(","):
                p = p.replace("*", " * ")
                words = p.split()
                # Drop the parameter's name (the last word, unless it is a star).
                if words[-1] != "*":
                    words = words[:-1]
                params.append(" ".join(words))
        functions[m.group(2)] = (ret, params)
    return functions


def c_to_ctypes(c_type: str, *, result: bool) -> Any:
    """The ctypes type the wrapper must use for a C type of the header."""
    words = c_type.split()
    stars = words.count("*")
    base = " ".join(w for w in words if w not in ("*", "const"))
    const = "const" in words
    scalars = {
        "void": None,
        "bool": ctypes.c_bool,
        "uint8_t": ctypes.c_uint8,
        "uint16_t": ctypes.c_uint16,
        "uint32_t": ctypes.c_uint32,
        "uint64_t": ctypes.c_uint64,
        "int32_t": ctypes.c_int32,
        "int64_t": ctypes.c_int64,
        "size_t": ctypes.c_size_t,
        "voicecb_result": ctypes.c_int32,
    }
    if base == "char":
        if stars == 1 and const:
            # Borrowed input strings and borrowed (static or error-owned) results.
            return ctypes.c_char_p
        if stars == 1 and not result:
            return ctypes.c_void_p  # voicecb_string_free(char *)
        if stars == 2 and not const:
            return POINTER(ctypes.c_void_p)  # owned string out-parameter
        raise AssertionError(f"no rule for {c_type!r}")
    if base in scalars:
        t = scalars[base]
        for _ in range(stars):
            t = POINTER(t)
        return t
    if base == "voicecb_event_callback" and stars == 0:
        return _native.EVENT_CALLBACK
    opaque = getattr(_native, base, None)
    assert isinstance(opaque, type) and issubclass(opaque, ctypes.Structure), f"no opaque type for {c_type!r}"
    t = opaque
    for _ in range(stars):
        t = POINTER(t)
    return t


def functions_used_by_the_wrapper() -> Dict[str, List[str]]:
    """voicecb_* names the package's sources call through the library, with the files."""
    used: Dict[str, List[str]] = {}
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        for name in re.findall(r"(?<![\w.])(?:_?LIB|lib)\.(voicecb_\w+)", path.read_text(encoding="utf-8")):
            used.setdefault(name, []).append(path.name)
    return used


def test_header_parses() -> None:
    functions = parse_functions()
    assert len(functions) > 40
    assert functions["voicecb_abi_version"] == ("uint32_t", [])
    assert functions["voicecb_string_free"] == ("void", ["char *"])
    assert functions["voicecb_sign"][1][4] == "char * *"


def test_every_declared_function_is_in_the_header() -> None:
    functions = parse_functions()
    extra = sorted(set(_native.PROTOTYPES) - set(functions))
    assert not extra, f"the wrapper declares functions the header does not have: {extra}"


def test_every_used_function_is_declared_as_in_the_header() -> None:
    functions = parse_functions()
    used = functions_used_by_the_wrapper()
    assert "voicecb_click2call_send_result" in used and "voicecb_sign" in used
    problems = []
    for name, files in sorted(used.items()):
        if name not in functions:
            problems.append(f"{name} (used in {files}) is not in the header")
            continue
        if name not in _native.PROTOTYPES:
            problems.append(f"{name} (used in {files}) has no prototype in _native.PROTOTYPES")
            continue
        fn = getattr(_native.LIB, name)
        ret, params = functions[name]
        if fn.argtypes is None:
            problems.append(f"{name}: argtypes not set")
        else:
            want = [c_to_ctypes(p, result=False) for p in params]
            if list(fn.argtypes) != want:
                problems.append(f"{name}: argtypes {fn.argtypes} but the header says {params}")
        want_ret = c_to_ctypes(ret, result=True)
        if fn.restype is not want_ret:
            problems.append(f"{name}: restype {fn.restype} but the header says {ret!r}")
    assert not problems, "\n".join(problems)


def test_every_declared_function_is_used() -> None:
    unused = sorted(set(_native.PROTOTYPES) - set(functions_used_by_the_wrapper()))
    assert not unused, f"declared but never called: {unused}"


def test_no_owned_string_is_read_with_c_char_p() -> None:
    # An owned string returned as c_char_p would be copied and then leaked.
    for name, (ret, params) in parse_functions().items():
        if name not in _native.PROTOTYPES:
            continue
        restype, argtypes = _native.PROTOTYPES[name]
        if ret.split() == ["char", "*"]:
            assert restype is not ctypes.c_char_p, name
        for p, t in zip(params, argtypes):
            if p.split() == ["char", "*", "*"]:
                assert t in (POINTER(ctypes.c_void_p), POINTER(POINTER(ctypes.c_char))), name


def header_defines() -> Dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"#define (VOICECB_\w+) (-?\d+)\s*$", header_text(), re.M)}


def header_results() -> Dict[str, int]:
    """The voicecb_result enumerators of the header."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*(VOICECB_(?:OK|ERR_\w+)) = (\d+),", header_text(), re.M)}


def constants_of_the_wrapper() -> Dict[str, Tuple[str, Any]]:
    """Every module-level VOICECB_* assignment of the package's sources, as
    name -> (file, value of that name in the imported module)."""
    modules = {path.stem: path for path in PACKAGE_DIR.glob("*.py")}
    found: Dict[str, Tuple[str, Any]] = {}
    for stem, path in sorted(modules.items()):
        module = voicecb if stem == "__init__" else getattr(voicecb, stem)
        for name in re.findall(r"^(VOICECB_\w+)\s*(?::[^=]*)?=", path.read_text(encoding="utf-8"), re.M):
            assert name not in found, f"{name} is defined in both {found[name][0]} and {path.name}"
            found[name] = (path.name, getattr(module, name))
    return found


def test_every_constant_of_the_wrapper_is_the_headers() -> None:
    header = {**header_defines(), **header_results()}
    constants = constants_of_the_wrapper()
    # The ones this test must see (it would pass vacuously on a broken regex).
    assert {"VOICECB_OK", "VOICECB_ERR_BAD_SIGNATURE", "VOICECB_NOTIFICATION_STATUS",
            "VOICECB_NOTIFICATION_MAX_BODY", "VOICECB_NOTIFICATION_MAX_RECORDS"} <= set(constants)
    problems = []
    for name, (file, value) in sorted(constants.items()):
        if name not in header:
            problems.append(f"{name} ({file}) is not in the header")
        elif value != header[name]:
            problems.append(f"{name} ({file}) is {value!r}, the header says {header[name]}")
    assert not problems, "\n".join(problems)


def test_the_public_limits_are_the_headers() -> None:
    defines = header_defines()
    assert voicecb.NOTIFICATION_MAX_BODY == defines["VOICECB_NOTIFICATION_MAX_BODY"] == 1 << 20
    assert voicecb.NOTIFICATION_MAX_RECORDS == defines["VOICECB_NOTIFICATION_MAX_RECORDS"]


def test_constants_match_the_header() -> None:
    defines = header_defines()
    assert defines["VOICECB_ABI_VERSION"] == _native.ABI_VERSION == voicecb.ABI_VERSION
    results = header_results()
    assert len(results) == 14
    for name, value in results.items():
        assert getattr(_errors, name) == value, name
    for name in ("STATUS", "BILL", "OTHER", "MAX_BODY", "MAX_RECORDS"):
        assert defines[f"VOICECB_NOTIFICATION_{name}"] == getattr(_notify, f"VOICECB_NOTIFICATION_{name}"), name
    # Each enum holds exactly the header's constants of its prefix.
    for prefix, enum_type in [
        ("VOICECB_LAST_MIN_TO_UE_", voicecb.LastMinToUE),
        ("VOICECB_CALLEE_MEDIA_", voicecb.CalleeMedia),
        ("VOICECB_API_", voicecb.Api),
        ("VOICECB_STATUS_", voicecb.StatusKind),
    ]:
        in_header = {name: value for name, value in defines.items() if name.startswith(prefix)}
        assert in_header == {prefix + member.name: member.value for member in enum_type}, prefix


def test_category_names_cover_the_exception_map() -> None:
    names = {voicecb._codes.category_name(i) for i in range(0, 9)}
    assert set(_errors._BY_CATEGORY) == names - {"success"}
