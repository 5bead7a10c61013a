"""``vidanime serve``: the local web app."""

from __future__ import annotations

import threading
import webbrowser

import typer

from vidanime.cli.progress import stderr_console
from vidanime.errors import VidanimeError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on. Other machines can reach it only if you change this."),
    port: int = typer.Option(7860, help="Port."),
    max_upload_mb: int = typer.Option(2048, "--max-upload-mb", help="Largest upload accepted."),
    ttl_minutes: float = typer.Option(60.0, "--ttl-minutes", help="Finished jobs and uploads are removed after this long."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in a browser."),
) -> None:
    """A local web page to convert videos and photos (and a JSON API for scripts); needs vidanime[web]."""
    try:
        import uvicorn

        from vidanime.serve.app import create_app
    except ImportError as exc:
        raise VidanimeError(f"vidanime serve needs the web extra ({exc.name} is missing): pip install '.[web]'") from exc
    if host not in LOOPBACK:
        stderr_console.print(f"warning: listening on {host}: anyone who can reach this machine can use the app and see its jobs", highlight=False)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    stderr_console.print(f"vidanime on {url} (Ctrl-C to stop)", highlight=False)
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    uvicorn.run(create_app(max_upload_mb, ttl_minutes * 60), host=host, port=port, log_level="warning")
