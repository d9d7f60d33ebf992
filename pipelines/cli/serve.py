"""`medkg serve`: the HTTP API and the web page (see pipelines/api.py)."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipelines.cli import app
from pipelines.cli.common import ConfigOpt, HomeOpt, err_console, settings_from

__all__ = ["serve", "is_loopback", "quiet_library_loggers"]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Libraries that log routine start-up probing at INFO: faiss's loader tries its AVX-512 and AVX2
# builds first and logs "Could not load library with AVX512 support due to: ModuleNotFoundError(...)"
# for each one the wheel does not ship, which reads like a failure in the server log.
NOISY_LOGGERS = ("faiss.loader",)


def quiet_library_loggers(level: str) -> None:
    """Raise the noisy library loggers to WARNING unless ``level`` is DEBUG.

    >>> quiet_library_loggers("INFO"); logging.getLogger("faiss.loader").level == logging.WARNING
    True
    """
    if level.upper() != "DEBUG":
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


@app.command("serve")
def serve(
    host: Annotated[Optional[str], typer.Option("--host", help="Address to listen on (default: serve.host in medkg.toml, 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option("--port", help="Port (default: serve.port in medkg.toml, 8765).", min=1, max=65535)] = None,
    home: HomeOpt = None,
    config: ConfigOpt = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the HTTP API and the web page (loads the graph, models and indexes once, at start-up)."""
    import dataclasses

    import uvicorn

    from pipelines.api import create_app
    from pipelines.workspace import Workspace

    settings = settings_from(home, config)
    serve_cfg = dataclasses.replace(settings.serve, **{k: v for k, v in (("host", host), ("port", port)) if v is not None})
    settings = dataclasses.replace(settings, serve=serve_cfg)
    level = log_level.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter(f"--log-level must be debug, info, warning or error; got {log_level!r}")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_library_loggers(level)
    if not is_loopback(serve_cfg.host):
        err_console.print(f"[bold yellow]warning:[/] listening on {serve_cfg.host}, not loopback: anyone who can reach "
                          "this machine can send notes to it. The API has no TLS and no per-user log-in; put it behind "
                          "a reverse proxy with TLS and access control, or use --host 127.0.0.1.")
    if not settings.serve.token:
        err_console.print("writes (guideline apply, rollback) are disabled: set [serve] token in medkg.toml "
                          "or MEDKG_SERVE_TOKEN to enable them")
    from pipelines.memory import tune_malloc

    tune_malloc()          # before the graph loads: a long-running process that swaps graph views
    ws = Workspace(settings)
    api = create_app(ws)
    shown = f"[{serve_cfg.host}]" if ":" in serve_cfg.host else serve_cfg.host
    where = f" (graph on {settings.home.store}, polled every {settings.graph.poll_s:g} s)" if settings.home.store else ""
    err_console.print(f"loading the graph and models from {settings.home.root}{where} ...")
    typer.echo(f"medkg serving on http://{shown}:{serve_cfg.port}/  (API schema: /openapi.json; Ctrl+C stops)")
    # access_log=False: uvicorn's access log would record query strings; pipelines.api logs
    # method, path, status and duration only.
    uvicorn.run(api, host=serve_cfg.host, port=serve_cfg.port, log_level=log_level.lower(), access_log=False,
                timeout_keep_alive=5, limit_concurrency=256)
