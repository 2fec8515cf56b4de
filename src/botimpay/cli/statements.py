"""`botimpay statements DATE --partner-id P`: the day's statement ZIP, as
getOrderStatement serves it (the same service, so the same bytes)."""

from __future__ import annotations

from pathlib import Path

import click

from botimpay.cli.common import db_option, run_db
from botimpay.domain.statement_files import MAX_LINES, StatementZip
from botimpay.domain.statements import StatementVersion
from botimpay.errors import ConfigError
from botimpay.protocol.statement_requests import parse_statement_date
from botimpay.services.operator import business_clock
from botimpay.services.statements import StatementService
from botimpay.store.database import Database


@click.command()
@click.argument("date")
@click.option("--partner-id", required=True, help="the merchant whose statements to write")
@click.option(
    "--version",
    "version",
    type=click.Choice([v.value for v in StatementVersion]),
    default=StatementVersion.V1.value,
    show_default=True,
    help="the column set of the transaction and settlement statements",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the ZIP (default: its own name in the current directory)",
)
@click.option(
    "--max-lines",
    default=MAX_LINES,
    show_default=True,
    type=click.IntRange(4),
    help="lines per CSV file before the next numbered file (the reference's limit)",
)
@db_option
def statements(
    date: str, partner_id: str, version: str, output: Path | None, max_lines: int, db_url: str
) -> None:
    """Write a merchant's statement ZIP of the UAE day DATE (YYYYMMDD).

    Available from 00:10 UAE time (UTC+4) the next day, in business time; before
    that, or for a future day or one before the merchant existed, it says why
    (62014 / 62013) and exits 2."""
    try:
        day = parse_statement_date(date.replace("-", ""))
    except ValueError as exc:
        raise ConfigError(f"DATE {date[:32]!r}: {exc}") from exc

    async def build(db: Database) -> StatementZip:
        clock = await business_clock(db)
        service = StatementService(db, clock)
        return await service.download(
            partner_id, day, StatementVersion(version), max_lines=max_lines
        )

    found = run_db(db_url, build)
    target = output if output is not None else Path(found.filename)
    try:
        target.write_bytes(found.content)
    except OSError as exc:
        raise ConfigError(f"--output {str(target)!r}: {exc.strerror}") from exc
    click.echo(f"wrote {target} ({len(found.content)} bytes)")
    for name in found.members:
        click.echo(f"  {name}")
