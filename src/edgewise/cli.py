"""The ``edgewise`` command: wiring only.

Each subsystem owns its commands in its own ``cli.py`` (``models/cli.py``,
``server/cli.py`` ...); this module adds them to one Typer app and turns
:class:`~edgewise.errors.EdgewiseError` into a clear message and exit code.
Heavy libraries (llama_cpp, torch, flwr) are imported inside the commands that
need them, so ``edgewise --help`` stays instant.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from edgewise import __version__
from edgewise.errors import EdgewiseError

app = typer.Typer(
    name="edgewise",
    help="Generative AI at the edge: serve a local model, keep raw data on the device.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"edgewise {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Generative AI at the edge: serve a local model, keep raw data on the device."""


def _register() -> None:
    from edgewise.engine.cli import register as register_engine
    from edgewise.models.cli import app as models_app
    from edgewise.server.cli import register as register_server

    register_server(app)
    register_engine(app)
    app.add_typer(models_app, name="models")
    from edgewise.uplink.cli import app as link_app
    from edgewise.cloud.cli import app as cloud_app

    app.add_typer(link_app, name="link")
    app.add_typer(cloud_app, name="cloud")
    from edgewise.perimeter.cli import audit_app, perimeter_app

    app.add_typer(audit_app, name="audit")
    app.add_typer(perimeter_app, name="perimeter")
    from edgewise.apps.inspection.cli import app as inspect_app

    app.add_typer(inspect_app, name="inspect")
    from edgewise.apps.maintenance.cli import app as maintenance_app

    app.add_typer(maintenance_app, name="maintenance")
    from edgewise.federated.cli import app as federate_app

    app.add_typer(federate_app, name="federate")
    from edgewise.optimize.cli import app as optimize_app

    app.add_typer(optimize_app, name="optimize")


_register()


def main() -> None:
    """Entry point: run the app, mapping domain errors to a message and exit code 1 (2 for bad input)."""
    err = Console(stderr=True)
    try:
        # Outside standalone mode click *returns* the code of a `typer.Exit` raised by a command instead of exiting
        # with it, so it is passed on here; anything else a command returns means success.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except EdgewiseError as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        sys.exit(2 if exc.status_code in (400, 404, 413) else 1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


__all__ = ["app", "main"]


if __name__ == "__main__":
    main()
