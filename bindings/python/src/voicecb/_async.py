"""The client for asyncio: :class:`Client`'s calls as coroutines."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

from ._check import CheckReport
from ._client import CallResult, Client
from ._notify import BillRecord

_T = TypeVar("_T")


class AsyncClient:
    """:class:`Client` for asyncio: the same settings, and the same calls as
    coroutines, each run on a thread of the client's own pool (the library
    releases the GIL during a call), so the event loop never blocks.

    Args:
        app_key, app_secret: as for :class:`Client`.
        max_workers: calls that may run at once; more wait their turn.
        **settings: every keyword argument of :class:`Client`.

    Cancelling a task that awaits a call does not stop the request: a
    click2call may already be placed, and only its answer holds the session
    id that stops it (so for a notification or verification call). Use it
    as ``async with``, or await :meth:`aclose`.
    """

    def __init__(self, app_key: str, app_secret: str, *, max_workers: int = 16, **settings: Any) -> None:
        self._executor = _pool(max_workers)
        try:
            self._client = Client(app_key, app_secret, **settings)
        except BaseException:
            self._executor.shutdown(wait=False)
            raise

    @classmethod
    def from_env(cls, *, max_workers: int = 16, **settings: Any) -> "AsyncClient":
        """As :meth:`Client.from_env`."""
        self = cls.__new__(cls)
        self._executor = _pool(max_workers)
        try:
            self._client = Client.from_env(**settings)
        except BaseException:
            self._executor.shutdown(wait=False)
            raise
        return self

    async def _run(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        if self._client.closed:
            # Raises ClientClosed at once, without I/O (the pool is gone).
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))
        except RuntimeError:
            if not self._client.closed:
                raise
            return fn(*args, **kwargs)  # closed meanwhile: ClientClosed
        return await future

    async def click2call(self, *args: Any, **kwargs: Any) -> CallResult:
        """:meth:`Client.click2call` as a coroutine (same arguments)."""
        return await self._run(self._client.click2call, *args, **kwargs)

    async def stop(self, session_id: str, timeout: Optional[float] = None) -> None:
        """:meth:`Client.stop` as a coroutine."""
        await self._run(self._client.stop, session_id, timeout)

    async def check(self, timeout: Optional[float] = None) -> CheckReport:
        """:meth:`Client.check` as a coroutine."""
        return await self._run(self._client.check, timeout)

    async def call_notify(self, *args: Any, **kwargs: Any) -> CallResult:
        """:meth:`Client.call_notify` as a coroutine (same arguments)."""
        return await self._run(self._client.call_notify, *args, **kwargs)

    async def call_verify(self, *args: Any, **kwargs: Any) -> CallResult:
        """:meth:`Client.call_verify` as a coroutine (same arguments)."""
        return await self._run(self._client.call_verify, *args, **kwargs)

    async def record_url(self, file_name: str, record_domain: str, timeout: Optional[float] = None) -> str:
        """:meth:`Client.record_url` as a coroutine."""
        return await self._run(self._client.record_url, file_name, record_domain, timeout)

    async def record_url_for(self, record: BillRecord, timeout: Optional[float] = None) -> str:
        """:meth:`Client.record_url_for` as a coroutine."""
        return await self._run(self._client.record_url_for, record, timeout)

    @property
    def closed(self) -> bool:
        """True once the client is closed."""
        return self._client.closed

    def close(self) -> None:
        """Closes the client; calls already running finish. Idempotent."""
        self._client.close()
        self._executor.shutdown(wait=False)

    async def aclose(self) -> None:
        """:meth:`close`, awaitable."""
        self.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return repr(self._client).replace("voicecb.Client", "voicecb.AsyncClient", 1)


def _pool(max_workers: int) -> ThreadPoolExecutor:
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise TypeError(f"max_workers must be an int, not {type(max_workers).__name__}")
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers}")
    return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="voicecb")
