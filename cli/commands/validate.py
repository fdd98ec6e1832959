"""`samverkan validate`: organisation files checked, each problem as FIL:RAD. Imports no database library, no
table and no notification library unless the file has contact routes (issue 19: ≤ 0.4 s)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click

from samverkan.cli.options import Command, json_option, parse_date, print_json
from samverkan.core.labels import count_text
from samverkan.core.timeutil import today_local
from samverkan.orgconfig.county_check import county_issues
from samverkan.orgconfig.validate import validate_file
from samverkan.scheduling.calendar import schedule_issues


@click.command("validate", cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FIL...")
@click.option("--from", "first", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Årshjulets varningar från (i dag).")
@click.option("--to", "last", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="… till (ett år framåt).")
@json_option
def validate(files: tuple[Path, ...], first: date | None, last: date | None, as_json: bool) -> None:
    """Kontrollera organisationsfiler. Varje problem skrivs som FIL:RAD: vad som är fel; tillfällen som
    ställs in eller slås ihop i årshjulet (ett år framåt, eller --from/--to) som varningar."""
    failed = False
    report = []
    first = first or today_local()
    last = last or first + timedelta(days=365)
    results = [validate_file(file) for file in files]
    together = county_issues(results)  # a county and its kommuner's files, given together, agree
    for file, result in zip(files, results, strict=True):
        result.issues += schedule_issues(result, first, last) if result.ok else []
        result.issues += together.get(result.file, [])
        failed = failed or not result.ok
        report.append(
            {
                "file": str(file),
                "ok": result.ok,
                "issues": [
                    {"line": i.line, "severity": i.severity, "message": i.message, "path": list(i.path)}
                    for i in result.issues
                ],
            }
        )
        if not as_json:
            for issue in result.issues:
                click.echo(str(issue), err=issue.severity == "fel")
            if result.ok:
                warnings = f" ({count_text(len(result.issues), 'varning', 'varningar')})" if result.issues else ""
                click.echo(f"{file}: giltig{warnings}")
    if as_json:
        print_json(report)
    if failed:
        raise click.exceptions.Exit(1)


COMMANDS = (validate,)
