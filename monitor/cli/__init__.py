"""The ``watchlist`` command line: a thin shell over the library (docs/design-notes.md).

Each command module registers its commands on ``cli``; errors from the library become
one clear line on stderr and exit status 1 (2 for usage errors, as Click does).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from functools import cached_property

import click

from indicators.errors import IndicatorsError
from monitor import __version__
from monitor.config import Settings, load_settings
from monitor.errors import MonitorError
from monitor.secret import install_log_redaction
from monitor.storage import migrate
from monitor.storage.db import Database, DatabaseFailure


@dataclass
class App:
    db_url: str | None
    config: str | None
    _db: Database | None = field(default=None, repr=False)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.config, self.db_url)

    def database(self, *, check: bool = True, create: bool = False) -> Database:
        """The database; ``check``: migrated to head; ``create``: a missing SQLite file is
        created (only ``init`` and ``db upgrade``: a typo elsewhere must not leave one)."""
        if self._db is None:
            self._db = Database(self.settings.database_url, create=create)
            if check:  # one line for a missing, corrupt, too-new or outdated database
                migrate.check(self._db)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


pass_app = click.make_pass_decorator(App)


class _Group(click.Group):
    """Library errors become one clear line and exit status 1, however the CLI is invoked."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (MonitorError, IndicatorsError) as exc:
            raise click.ClickException(str(exc)) from exc
        except DatabaseFailure as exc:
            # e.g. a file damaged after it was opened: one line, not 80 of traceback.
            said = " ".join(str(exc.orig or exc).split())[:300]
            raise click.ClickException(f"database error: {said}") from exc


@click.group(
    cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--db",
    "db_url",
    envvar="WATCHLIST_DB",
    help="Database URL or SQLite path (env WATCHLIST_DB; default sqlite:///watchlist.db).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    envvar="WATCHLIST_CONFIG",
    help="Config file (TOML; env WATCHLIST_CONFIG; default ./watchlist.toml if present).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="watchlist")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, config: str | None, verbose: int) -> None:
    """Watch-list indicator monitor: turn "what to watch" items into rules, poll news feeds,
    record evidence and status changes, and alert people."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()  # feed URLs may carry credentials, httpx logs them at -v
    ctx.obj = App(db_url, config)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    from monitor.cli import commands  # noqa: F401  (registers the commands)

    try:
        code = cli.main(prog_name="watchlist", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (MonitorError, IndicatorsError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
