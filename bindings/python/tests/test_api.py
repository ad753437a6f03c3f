"""The public surface: every exported name exists and is documented."""

from __future__ import annotations

import inspect

import voicecb


def test_every_public_name_is_exported_and_documented() -> None:
    for name in voicecb.__all__:
        obj = getattr(voicecb, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"voicecb.{name} has no docstring"
    for name, obj in vars(voicecb.Client).items():
        if not name.startswith("_") and (inspect.isfunction(obj) or isinstance(obj, property)):
            assert inspect.getdoc(obj), f"Client.{name} has no docstring"
    assert inspect.getdoc(voicecb)


def test_call_result_is_a_named_tuple() -> None:
    r = voicecb.CallResult("id", None)
    assert r == ("id", None, 1, 0.0) and r.session_id == "id" and r.idle_port is None
    assert (r.attempts, r.elapsed) == (1, 0.0)


def test_enum_values_are_the_c_constants() -> None:
    assert [m.value for m in voicecb.LastMinToUE] == [1, 2, 3]
    assert [m.value for m in voicecb.CalleeMedia] == [1, 2, 3]
