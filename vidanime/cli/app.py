"""The ``vidanime`` command: sub-commands are registered here, errors become one line.

Anything a user can get wrong ends as ``error: ...`` on stderr and exit code 1 (2 for a
wrong command line); ``--debug`` anywhere on the line shows the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

import typer

from vidanime import __version__
from vidanime.cli import bench_cmd, convert_cmd, doctor_cmd, eval_cmd, export_cmd, preview_cmd, serve_cmd, styles_cmd, train_cmd
from vidanime.cli.options import optional_values
from vidanime.errors import Interrupted, VidanimeError

app = typer.Typer(
    name="vidanime",
    help="Turn videos and photos into anime / cartoon style with GAN generators.\n\n"
    "Start with: vidanime convert clip.mp4   (add --help to any command for its options)",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vidanime {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Global options. --debug (anywhere on the line) shows tracebacks."""


convert_cmd.register(app)
preview_cmd.register(app)
serve_cmd.register(app)
export_cmd.register(app)
styles_cmd.register(app)
train_cmd.register(app)
eval_cmd.register(app)
bench_cmd.register(app)
doctor_cmd.register(app)


def _fail(message: str, code: int, exc: BaseException | None = None) -> int:
    typer.echo(f"error: {message}", err=True)
    hint = getattr(exc, "resume_hint", None)
    if hint:
        typer.echo(f"note: {hint}", err=True)
    return code


def main(argv: list[str] | None = None) -> None:
    """Entry point; exits with the command's status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VIDANIME_DEBUG") == "1"
    args = [a for a in args if a != "--debug"] or ["--help"]
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    code = run(args, debug)
    if code > 128:  # stopped by a signal: every cleanup has run (outputs, journals, Ray)
        exit_now(code)
    sys.exit(code)


def exit_now(code: int) -> None:
    """Exit without the interpreter's teardown. After a stop signal, native threads (the engine's,
    the decoder's) may still be finishing a call; tearing the interpreter down under them crashed
    the process now and then (exit -11 instead of 143, under load)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            pass
    os._exit(code)


def _help_hint(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    names = []
    while ctx is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    names = [n for n in reversed(names) if n]
    names[:1] = ["vidanime"]
    return " ".join(names + ["--help"])


def run(args: list[str], debug: bool = False) -> int:
    """Run the CLI on ``args`` and return the exit status (what ``main`` exits with)."""
    try:
        result = app(args=optional_values(args), prog_name="vidanime", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0))
    except Interrupted as exc:
        kept = "progress was kept" if getattr(exc, "resume_hint", None) else "no partial output was kept"
        return _fail(f"interrupted ({exc.name}); {kept}", exc.exit_code, exc)
    except (KeyboardInterrupt, typer.Abort):
        return _fail("interrupted; no partial output was kept", 130)
    except VidanimeError as exc:
        if debug:
            traceback.print_exc()
        return _fail(str(exc), exc.exit_code, exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # Typer's (Click's) usage errors
            return _fail(f"{exc.format_message()} (see '{_help_hint(exc)}')", int(exc.exit_code))
        if debug:
            traceback.print_exc()
            return 1
        first = str(exc).splitlines()[0] if str(exc) else ""
        return _fail(f"unexpected {type(exc).__name__}: {first} (re-run with --debug for the traceback)", 1)

if __name__ == "__main__":
    main()
