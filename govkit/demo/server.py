"""A moto server on loopback, inside this process.

moto keeps its state in module-level backends shared by everything in the process: two
`MotoServer` objects running at once serve the same accounts and resources, and `start()` (which
calls `reset()`) wipes whatever the other one held. Run one at a time, or share one.

Two moto settings matter for the demo and are read from the environment each time a backend is
created (not when moto is imported), so `start()` sets them and then resets the backends, which
makes every backend created afterwards see them:

- `MOTO_IAM_LOAD_MANAGED_POLICIES=true`: AWS managed policies (AdministratorAccess, ...) exist.
- `MOTO_EC2_LOAD_DEFAULT_AMIS=false`: no hundreds of fake AMIs in every region.

`start()` also makes moto report when it generated the IAM credential report (it answers with
a fixed date in 2015, which govkit refuses as stale): see `govkit.demo.fixups`.

Both are set in `os.environ` of this process and stay set after `stop()`. The `werkzeug` logger is
set to WARNING so that the server does not print one line per request.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from govkit.errors import UsageError

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

MOTO_ENVIRONMENT = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
_MISSING_MOTO = "the demo needs moto: pip install 'govkit[demo]'"


class _OneAtATime:
    """A WSGI wrapper that handles one request at a time.

    moto's backends are plain dicts shared by every request thread: two requests that change the
    same backend at once (creating KMS aliases, attaching IAM policies while another creates
    one) fail with "dictionary changed size during iteration". The GIL already serialises
    moto's work, so taking turns costs almost nothing."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


def _new_threaded_server(host: str, port: int) -> ThreadedMotoServer:
    try:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication, MotoRequestHandler, create_backend_app)
        from moto.server import ThreadedMotoServer
        from werkzeug.serving import make_server
    except ImportError as exc:  # moto, or its server extras (flask, werkzeug), is absent
        raise UsageError(_MISSING_MOTO) from exc

    class _SerialMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # moto's own, with the app wrapped
            from govkit.demo.aws_extra import Dispatcher, services
            app = _OneAtATime(Dispatcher(DomainDispatcherApplication(create_backend_app),
                                         services()))
            self._server = make_server(self._ip_address, self._port, app, True,
                                       request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server: ThreadedMotoServer = _SerialMotoServer(ip_address=host, port=port, verbose=False)
    return server


class MotoServer:
    """moto's threaded server bound to 127.0.0.1 on a free port.

    Use as a context manager, or call `start()` and `stop()`. `endpoint_url` is what boto3's
    `endpoint_url=` takes.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._server: ThreadedMotoServer | None = None
        self._endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise UsageError("the moto server is not running: call start() first")
        return self._endpoint_url

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        if self._server is not None:
            return
        server = _new_threaded_server(self._host, self._port)
        from govkit.demo.fixups import patch_credential_report_time
        patch_credential_report_time()
        os.environ.update(MOTO_ENVIRONMENT)
        # werkzeug logs every request at INFO to stderr; a seeded estate is tens of thousands.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server.start()
        host, port = server.get_host_and_port()
        self._server = server
        self._endpoint_url = f"http://{host}:{port}"
        self.reset()

    def reset(self) -> None:
        """Drop every resource in every account and region (moto's `POST /moto-api/reset`)."""
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset", data=b"", method="POST"
        )
        # Loopback never goes through a proxy, whatever the environment says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            response.read()

    def stop(self) -> None:
        server, self._server = self._server, None
        self._endpoint_url = None
        if server is not None:
            server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
