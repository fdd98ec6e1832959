"""CLI commands for the cycle: start, status, complete, advance, reopen, deadlines, problems, causes,
åtgärder, decisions, signatures, renewals and handover. Each is one transaction through the service layer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from samverkan.cli.database import open_database
from samverkan.cli.main import Failure, db_option, db_url_or_default, json_option, parse_date, print_json
from samverkan.core.labels import label
from samverkan.core.timeutil import today_local
from samverkan.models.enums import CausePerspective, EvidenceKind, MeasureStatus
from samverkan.services.errors import ServiceError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def run(db_url: str | None, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function in one transaction; refusals become 'fel: …' with exit code 1."""
    from samverkan.database import session_scope

    try:
        engine = open_database(db_url_or_default(db_url))
        with session_scope(engine) as session:
            return function(session, *args, **kwargs)
    except ServiceError as exc:
        raise Failure(str(exc)) from None


def actor_option(function: F) -> F:
    return click.option(
        "--as",
        "actor",
        envvar="SAMVERKAN_USER",
        required=True,
        metavar="E-POST",
        help="Vem som gör det (e-postadress); miljövariabel SAMVERKAN_USER.",
    )(function)  # type: ignore[return-value]


def date_option(function: F) -> F:
    return click.option(
        "--date", "on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Datum för handlingen (standard: i dag)."
    )(function)  # type: ignore[return-value]


def common(function: F) -> F:
    for decorator in (date_option, actor_option, db_option):
        function = decorator(function)
    return function


def _on(on: date | None) -> date:
    return on or today_local()


def _echo_transition(transition: Any) -> None:
    for line in transition.describe():
        click.echo(line)


def register(app: click.Group) -> None:
    from samverkan.services import agreements, cycle, handover, substance, upgrade

    @app.group("cycle")
    def cycle_group() -> None:
        """Cykeln: starta, se läget, markera punkter klara, gå vidare eller tillbaka."""

    @cycle_group.command("start")
    @click.argument("organisation")
    @click.option("--definition", default="samverkan", show_default=True, help="Processdefinition att följa.")
    @common
    def cycle_start(organisation: str, definition: str, actor: str, on: date | None, db_url: str | None) -> None:
        """Starta en ny cykel för ORGANISATION (den första börjar med uppstarten)."""
        started = run(db_url, cycle.start_cycle, organisation, actor, _on(on), definition)
        click.echo(f"Cykel {started.number} har startat ({started.definition_key}).")

    @cycle_group.command("status")
    @click.argument("organisation")
    @date_option
    @db_option
    @json_option
    def cycle_status(organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
        """Visa cykelns faser, checklistor med bevis och vad som saknas för att gå vidare."""
        from samverkan.templates.rendering import render

        view = run(db_url, lambda s: cycle.cycle_status(s, organisation, _on(on)))
        if as_json:
            print_json(view.to_dict())
        else:
            click.echo(render("cli/cycle.txt.j2", c=view, org_key=organisation), nl=False)

    @cycle_group.command("complete")
    @click.argument("organisation")
    @click.argument("item", metavar="PUNKT")
    @click.option(
        "--evidence", "kind", required=True, type=click.Choice([k.value for k in EvidenceKind]), help="Typ av bevis."
    )
    @click.option("--title", required=True, help="Vad beviset är, t.ex. 'Polisens lägesbild 2027'.")
    @click.option("--uri", help="Var dokumentet finns (sökväg, diarienummer eller länk).")
    @click.option("--decision", "decision_id", type=int, help="Beslutets nummer, när beviset är ett beslut.")
    @common
    @json_option
    def cycle_complete(
        organisation: str,
        item: str,
        kind: str,
        title: str,
        uri: str | None,
        decision_id: int | None,
        actor: str,
        on: date | None,
        db_url: str | None,
        as_json: bool,
    ) -> None:
        """Markera PUNKT (nummer, nyckel eller fas/nyckel) som klar, med bevis."""
        evidence = cycle.EvidenceInput(EvidenceKind(kind), title, uri, decision_id)
        transition = run(db_url, cycle.complete_item, organisation, actor, _on(on), item, evidence)
        if as_json:
            print_json({"item": item, "done": True, **transition.__dict__})
            return
        click.echo(f"Klar: {item}")
        _echo_transition(transition)

    @cycle_group.command("advance")
    @click.argument("organisation")
    @common
    def cycle_advance(organisation: str, actor: str, on: date | None, db_url: str | None) -> None:
        """Avsluta den pågående fasen; om något saknas listas exakt vad."""
        _echo_transition(run(db_url, cycle.complete_phase, organisation, actor, _on(on)))

    @cycle_group.command("reopen")
    @click.argument("organisation")
    @click.argument("phase", metavar="FAS")
    @click.option("--reason", required=True, help="Varför omtaget görs (sparas i historiken).")
    @common
    def cycle_reopen(
        organisation: str, phase: str, reason: str, actor: str, on: date | None, db_url: str | None
    ) -> None:
        """Omtag: gå tillbaka till en tidigare FAS. Dess punkter öppnas igen; historiken behålls."""
        _echo_transition(run(db_url, cycle.reopen_phase, organisation, actor, _on(on), phase, reason))

    @cycle_group.command("upgrade")
    @click.argument("organisation")
    @common
    def cycle_upgrade(organisation: str, actor: str, on: date | None, db_url: str | None) -> None:
        """Flytta över den pågående cykeln till processbeskrivningen som den ser ut nu. Klara punkter och
        deras bevis behålls, nya punkter får tidsfrister; vägras om den pågående fasen eller en klar punkt
        skulle försvinna."""
        for line in run(db_url, upgrade.upgrade_definition, organisation, actor, _on(on)).describe():
            click.echo(line)

    @cycle_group.command("deadline")
    @click.argument("organisation")
    @click.argument("item", metavar="PUNKT")
    @click.argument("due", metavar="ÅÅÅÅ-MM-DD")
    @common
    def cycle_deadline(organisation: str, item: str, due: str, actor: str, on: date | None, db_url: str | None) -> None:
        """Sätt tidsfristen för PUNKT (styrgruppen gör det)."""
        due_on = parse_date(None, None, due)  # type: ignore[arg-type]
        updated = run(db_url, cycle.set_deadline, organisation, actor, _on(on), item, due_on)
        click.echo(f"{updated.title}: senast {updated.due_on}")

    @app.group("problem")
    def problem_group() -> None:
        """Problem i den gemensamma lägesbilden och deras prioritering."""

    @problem_group.command("add")
    @click.argument("organisation")
    @click.argument("title", metavar="RUBRIK")
    @click.option("--description", help="Beskrivning: vad, var, när (inga personuppgifter).")
    @common
    def problem_add(
        organisation: str, title: str, description: str | None, actor: str, on: date | None, db_url: str | None
    ) -> None:
        """Lägg till ett problem i den pågående cykeln."""
        problem = run(db_url, substance.add_problem, organisation, actor, _on(on), title=title, description=description)
        click.echo(f"Problem nr {problem.id}: {problem.title}")

    @problem_group.command("prioritise")
    @click.argument("organisation")
    @click.argument("problem_id", metavar="NR", type=int)
    @click.option("--rank", type=int, help="Prioritetsordning (1 = högst).")
    @click.option("--rationale", help="Styrgruppens motivering.")
    @click.option("--deprioritise", is_flag=True, help="Bortprioritera i stället.")
    @common
    def problem_prioritise(
        organisation: str,
        problem_id: int,
        rank: int | None,
        rationale: str | None,
        deprioritise: bool,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Registrera styrgruppens prioritering av problem NR."""
        problem = run(
            db_url,
            substance.prioritise,
            organisation,
            actor,
            _on(on),
            problem_id=problem_id,
            rank=rank,
            rationale=rationale,
            prioritised=not deprioritise,
        )
        state = "prioriterat" if problem.prioritised else "bortprioriterat"
        click.echo(f"Problem nr {problem.id} är {state}.")

    @app.group("cause")
    def cause_group() -> None:
        """Orsaksanalys: troliga orsaker till ett prioriterat problem."""

    @cause_group.command("add")
    @click.argument("organisation")
    @click.argument("problem_id", metavar="PROBLEM", type=int)
    @click.option(
        "--perspective",
        required=True,
        type=click.Choice([p.value for p in CausePerspective]),
        help="Perspektiv: brottsutsatt, gärningsperson, plats eller situation.",
    )
    @click.option("--direct/--indirect", default=True, help="Direkt eller indirekt orsak.")
    @click.option("--text", required=True, help="Orsaken.")
    @click.option("--parent", type=int, help="Nummer på den orsak som denna ligger bakom.")
    @common
    def cause_add(
        organisation: str,
        problem_id: int,
        perspective: str,
        direct: bool,
        text: str,
        parent: int | None,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Lägg till en trolig orsak i orsaksanalysen av PROBLEM."""
        cause = run(
            db_url,
            substance.add_cause,
            organisation,
            actor,
            _on(on),
            problem_id=problem_id,
            perspective=CausePerspective(perspective),
            direct=direct,
            description=text,
            parent=parent,
        )
        click.echo(f"Orsak id {cause.id} (nr {cause.number} i analysen): {cause.description}")

    @app.group("analysis")
    def analysis_group() -> None:
        """Orsaksanalysen som helhet."""

    @analysis_group.command("complete")
    @click.argument("organisation")
    @click.argument("problem_id", metavar="PROBLEM", type=int)
    @click.option("--summary", help="Sammanfattning.")
    @click.option("--sources", help="Vilka källor som använts (och vilka som valts bort).")
    @common
    def analysis_complete(
        organisation: str,
        problem_id: int,
        summary: str | None,
        sources: str | None,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Markera orsaksanalysen av PROBLEM som klar (kräver minst en orsak)."""
        run(
            db_url,
            substance.complete_analysis,
            organisation,
            actor,
            _on(on),
            problem_id=problem_id,
            summary=summary,
            sources_used=sources,
        )
        click.echo(f"Orsaksanalysen av problem nr {problem_id} är klar.")

    @app.group("measure")
    def measure_group() -> None:
        """Åtgärder: alltid kopplade till en orsak, med ansvarig, slutdatum och uppföljning."""

    @measure_group.command("add")
    @click.argument("organisation")
    @click.option("--cause", "cause_id", type=int, help="Id på orsaken som åtgärden verkar på.")
    @click.option("--title", required=True, help="Åtgärden.")
    @click.option("--owner", required=True, help="Ansvarig rollfunktion, t.ex. samordnare.")
    @click.option("--due", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Slutdatum.")
    @click.option("--follow-up", default="", help="Hur åtgärden följs upp.")
    @click.option("--goal", help="Operativt mål.")
    @common
    def measure_add(
        organisation: str,
        cause_id: int | None,
        title: str,
        owner: str,
        due: date | None,
        follow_up: str,
        goal: str | None,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Lägg till en åtgärd i åtgärdsplanen."""
        measure = run(
            db_url,
            substance.add_measure,
            organisation,
            actor,
            _on(on),
            cause_id=cause_id,
            title=title,
            owner=owner,
            due_on=due,
            follow_up=follow_up,
            operational_goal=goal,
        )
        click.echo(f"Åtgärd nr {measure.id}: {measure.title} (senast {measure.due_on})")

    @measure_group.command("update")
    @click.argument("organisation")
    @click.argument("measure_id", metavar="NR", type=int)
    @click.option("--status", type=click.Choice([s.value for s in MeasureStatus]), help="grön, gul eller röd.")
    @click.option("--progress", type=int, help="Genomfört i procent.")
    @click.option("--hours", type=float, help="Nedlagda timmar.")
    @click.option("--cost", type=float, help="Kostnad i kronor.")
    @common
    def measure_update(
        organisation: str,
        measure_id: int,
        status: str | None,
        progress: int | None,
        hours: float | None,
        cost: float | None,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Rapportera status och genomförande för åtgärd NR."""
        measure = run(
            db_url,
            substance.update_measure,
            organisation,
            actor,
            _on(on),
            measure_id=measure_id,
            status=MeasureStatus(status) if status else None,
            progress_pct=progress,
            hours_spent=hours,
            cost_sek=cost,
        )
        click.echo(f"Åtgärd nr {measure.id}: {label(measure.status)}, {measure.progress_pct} % genomfört")

    @app.group("decision")
    def decision_group() -> None:
        """Beslut i styrgrupp, lokala BRÅ och andra organ."""

    @decision_group.command("record")
    @click.argument("organisation")
    @click.option("--body", required=True, help="Organets nyckel, t.ex. styrgrupp.")
    @click.option("--kind", default="beslut", show_default=True, help="Typ, t.ex. inriktningsbeslut.")
    @click.option("--title", required=True, help="Rubrik.")
    @click.option("--text", required=True, help="Beslutstext.")
    @click.option("--decided-on", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Beslutsdatum.")
    @click.option("--diarienummer", help="Diarienummer.")
    @common
    def decision_record(
        organisation: str,
        body: str,
        kind: str,
        title: str,
        text: str,
        decided_on: date | None,
        diarienummer: str | None,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Protokollför ett beslut."""
        decision = run(
            db_url,
            agreements.record_decision,
            organisation,
            actor,
            _on(on),
            body_key=body,
            kind=kind,
            title=title,
            text=text,
            decided_on=decided_on,
            diarienummer=diarienummer,
        )
        click.echo(f"Beslut nr {decision.id}: {decision.title} ({decision.decided_on})")

    @decision_group.command("sign")
    @click.argument("organisation")
    @click.argument("decision_id", metavar="NR", type=int)
    @common
    def decision_sign(organisation: str, decision_id: int, actor: str, on: date | None, db_url: str | None) -> None:
        """Justera beslut NR (ordföranden i organet som fattade det)."""
        view = run(db_url, agreements.sign_decision, organisation, actor, _on(on), decision_id)
        click.echo(f"Beslut nr {view.id} är justerat av {', '.join(view.signatories)}")

    @decision_group.command("show")
    @click.argument("organisation")
    @click.argument("decision_id", metavar="NR", type=int)
    @db_option
    @json_option
    def decision_show(organisation: str, decision_id: int, db_url: str | None, as_json: bool) -> None:
        """Visa beslut NR med organ, datum, text och vem som justerat."""
        view = run(db_url, lambda s: agreements.decision_view(s, organisation, decision_id))
        if as_json:
            print_json(view.__dict__)
            return
        click.echo(
            f"Beslut nr {view.id} – {view.body or ''}, {view.decided_on}"
            f"{f', dnr {view.diarienummer}' if view.diarienummer else ''}\n{view.title}\n\n{view.text}\n"
        )
        click.echo(f"Protokollfört av: {view.recorded_by or '–'}")
        click.echo(f"Justerat av: {', '.join(view.signatories) if view.signatories else 'ej justerat'}")

    @app.command("sign")
    @click.argument("organisation")
    @click.argument("what", metavar="VAD", type=click.Choice(["agreement", "promise"]), default="agreement")
    @click.option("--kommun", help="Vilken kommuns medborgarlöfte (i ett samverkansområde).")
    @common
    @json_option
    def sign(
        organisation: str, what: str, kommun: str | None, actor: str, on: date | None, db_url: str | None, as_json: bool
    ) -> None:
        """Skriv under överenskommelsen (agreement) eller ett medborgarlöfte (promise) för din part."""
        result = run(db_url, agreements.sign, organisation, actor, _on(on), what, kommun)
        if as_json:
            print_json(result.__dict__)
            return
        click.echo(f"{result.title}: {label(result.status)}")
        if result.missing:
            click.echo(f"Underskrift saknas från: {', '.join(result.missing)}")

    @app.group("agreement")
    def agreement_group() -> None:
        """Samverkansöverenskommelsen."""

    @agreement_group.command("renew")
    @click.argument("organisation")
    @click.option("--from", "starts", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
    @click.option("--to", "ends", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
    @common
    def agreement_renew(
        organisation: str, starts: date, ends: date, actor: str, on: date | None, db_url: str | None
    ) -> None:
        """Förnya överenskommelsen: en ny version; den gamla behålls."""
        renewed = run(db_url, agreements.renew_agreement, organisation, actor, _on(on), starts_on=starts, ends_on=ends)
        click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end}), utkast")

    @app.group("promise")
    def promise_group() -> None:
        """Medborgarlöften."""

    @promise_group.command("renew")
    @click.argument("organisation")
    @click.option("--kommun", help="Vilken kommun (i ett samverkansområde).")
    @click.option("--from", "starts", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD")
    @common
    def promise_renew(
        organisation: str, kommun: str | None, starts: date, actor: str, on: date | None, db_url: str | None
    ) -> None:
        """Nästa medborgarlöfte för en kommun; det gamla behålls."""
        renewed = run(
            db_url, agreements.renew_promise, organisation, actor, _on(on), municipality=kommun, starts_on=starts
        )
        click.echo(f"{renewed.title}: version {renewed.version} ({renewed.period_start}–{renewed.period_end})")

    @app.command("handover")
    @click.argument("organisation")
    @click.argument("role", metavar="ROLL")
    @click.option("--to", "to_email", metavar="E-POST", help="Lämna över rollen till denna person.")
    @click.option("--name", "to_name", help="Namn, om personen är ny i Samverkan.")
    @click.option("--from", "starts", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Första dagen för efterträdaren.")
    @click.option("--as", "actor", envvar="SAMVERKAN_USER", metavar="E-POST", help="Vem som gör överlämningen.")
    @date_option
    @db_option
    @json_option
    def handover_command(
        organisation: str,
        role: str,
        to_email: str | None,
        to_name: str | None,
        starts: date | None,
        actor: str | None,
        on: date | None,
        db_url: str | None,
        as_json: bool,
    ) -> None:
        """Överlämning av ROLL: utan --to skrivs överlämningspaketet ut; med --to lämnas rollen över."""
        from samverkan.templates.rendering import render

        day = _on(on)
        if to_email:
            if not actor:
                raise Failure("ange vem som gör överlämningen med --as")
            run(
                db_url,
                handover.handover,
                organisation,
                actor,
                day,
                role_key=role,
                to_email=to_email,
                to_name=to_name,
                starts_on=starts,
            )
            day = max(day, starts or day)
            if not as_json:
                click.echo(f"Rollen {role} har lämnats över till {to_email} från {starts or day}.\n")
        pack = run(db_url, lambda s: handover.handover_pack(s, organisation, role, day))
        if as_json:
            print_json(pack.to_dict())
        else:
            click.echo(render("cli/handover.txt.j2", p=pack), nl=False)


def register_process(app: click.Group) -> None:
    from samverkan.core.issues import ConfigError
    from samverkan.process.definition import available_definitions, load_definition, validate_definition_file
    from samverkan.services.pinning import cycles_behind

    @app.group("process")
    def process_group() -> None:
        """Processdefinitioner: faserna och deras klart-när-kriterier (egna i SAMVERKAN_PROCESS_DIR)."""

    @process_group.command("list")
    def process_list() -> None:
        """Visa tillgängliga processdefinitioner."""
        for key in available_definitions():
            definition = load_definition(key)
            phases = ", ".join(phase.name for phase in definition.phases)
            click.echo(f"{key} (version {definition.version}): {definition.name}\n    {phases}")

    @process_group.command("validate")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False), metavar="FIL...")
    @click.option(
        "--db", "db_url", metavar="URL", help="Lista också databasens pågående cykler som följer en annan version."
    )
    def process_validate(files: tuple[str, ...], db_url: str | None) -> None:
        """Kontrollera processdefinitioner; varje problem skrivs som FIL:RAD: vad som är fel."""
        from pathlib import Path

        failed = False
        for file in files:
            try:
                definition = validate_definition_file(Path(file))
            except ConfigError as exc:
                failed = True
                for issue in exc.issues:
                    click.echo(str(issue), err=True)
                continue
            click.echo(f"{file}: giltig ({len(definition.phases)} faser)")
            if db_url:
                _echo_cycles_behind(run(db_url, cycles_behind, definition))
        if failed:
            raise click.exceptions.Exit(1)


def _echo_cycles_behind(behind: list[Any]) -> None:
    if not behind:
        click.echo("  Inga pågående cykler följer en annan version.")
        return
    click.echo(
        "  Pågående cykler på en annan version (för dem gäller ändringen från nästa cykel, "
        "eller efter 'samverkan cycle upgrade ORGANISATION'):"
    )
    for cycle in behind:
        click.echo(f"    {cycle.organisation_key} ({cycle.organisation}), cykel {cycle.number}: {cycle.version}")
        for change in cycle.changes:
            click.echo(f"      - {change}")


def register_calendar(app: click.Group) -> None:
    from pathlib import Path

    from samverkan.orgconfig.validate import validate_file
    from samverkan.scheduling.calendar import as_ics, as_text, feed, organisation_events

    @app.command("calendar")
    @click.argument("config", type=click.Path(path_type=Path), metavar="FIL")
    @click.option("--from", "first", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Första dag.")
    @click.option("--to", "last", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Sista dag.")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "ics"]),
        default="text",
        show_default=True,
        help="Utdata: text, json eller ics (Outlook m.fl.).",
    )
    @click.option("--body", help="Bara ett organs flöde (organets nyckel).")
    @click.option("--role", help="Bara en rolls flöde (rollens nyckel).")
    def calendar_command(config: Path, first: date, last: date, fmt: str, body: str | None, role: str | None) -> None:
        """Årshjulet för organisationen i FIL: alla möten, rapporter och beslut i perioden."""
        result = validate_file(config)
        if not result.ok or result.config is None:
            for issue in result.issues:
                click.echo(str(issue), err=True)
            raise Failure(f"{config} är inte giltig: rätta felen ovan")
        if last < first:
            raise Failure(f"perioden slutar ({last}) innan den börjar ({first})")
        org = result.config
        known_bodies, known_roles = {b.key for b in org.bodies}, {r.key for r in org.roles}
        if body and body not in known_bodies:
            raise Failure(f"organet '{body}' finns inte (finns: {', '.join(sorted(known_bodies))})")
        if role and role not in known_roles:
            raise Failure(f"rollen '{role}' finns inte (finns: {', '.join(sorted(known_roles))})")
        events = feed(organisation_events(org, first, last), org, body=body, role=role)
        name = org.organisation.name + (f" – {body}" if body else f" – {role}" if role else "") + " – årshjul"
        if fmt == "json":
            print_json([event.to_dict() for event in events])
        elif fmt == "ics":
            click.echo(as_ics(events, name), nl=False)
        else:
            click.echo(as_text(events, f"{name} {first}–{last}"), nl=False)


def register_simulate(app: click.Group) -> None:
    from pathlib import Path

    from samverkan.orgconfig.validate import validate_file
    from samverkan.services.simulation import simulate

    @app.command("simulate")
    @click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FIL...")
    @click.option("--from", "first", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Första dag.")
    @click.option("--to", "last", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Sista dag.")
    @click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="Mapp för underlag och rapporter.")
    @click.option("--no-cycle", is_flag=True, help="Starta ingen cykel (bara rytmerna).")
    @click.option("--pdf", is_flag=True, help="Skriv även underlagen som PDF (tar längre tid).")
    @json_option
    def simulate_command(
        files: tuple[Path, ...], first: date, last: date, out: Path | None, no_cycle: bool, pdf: bool, as_json: bool
    ) -> None:
        """Förhandsvisa perioden: alla utlösare i ordning på en simulerad klocka. Inget skickas."""
        results = [validate_file(file) for file in files]
        bad = [issue for result in results for issue in result.errors]
        if bad:
            for issue in bad:
                click.echo(str(issue), err=True)
            raise Failure("simuleringen körs inte: rätta felen ovan")
        if last < first:
            raise Failure(f"perioden slutar ({last}) innan den börjar ({first})")
        simulation = simulate(results, first, last, out, start_cycle=not no_cycle, pdf=pdf)
        if as_json:
            print_json(simulation.to_dict())
            return
        summary = simulation.to_dict()
        click.echo(f"Simulering {first}–{last}: {', '.join(simulation.organisations)}")
        click.echo("Utlösare: " + ", ".join(f"{label(k)} {v}" for k, v in summary["triggers"].items()))
        click.echo(f"Meddelanden: {summary['notifications_total']} (skickas inte)")
        for role, count in summary["notifications"].items():
            click.echo(f"  {role}: {count}")
        click.echo(f"Underlag och rapporter: {len(simulation.result.documents)}" + (f" i {out}" if out else ""))
        for error in summary["errors"]:
            click.echo(f"varning: {error}", err=True)


def register_serve(app: click.Group) -> None:
    @app.command("serve")
    @click.option("--prefect-port", default=4200, show_default=True, help="Port för den lokala Prefect-servern.")
    def serve_command(prefect_port: int) -> None:
        """Kör schemana: dagligt svep, mötesförberedelser, inriktningsbeslut och rapporter. Avsluta med Ctrl-C."""
        from samverkan.cli.serve import serve_schedules

        try:
            serve_schedules(prefect_port)
        except KeyboardInterrupt:
            click.echo("Avslutat.")


def register_deploy(app: click.Group) -> None:
    @app.command("deploy")
    @click.option("--work-pool", required=True, help="Prefect-arbetspoolen som arbetarna hämtar körningar från.")
    def deploy_command(work_pool: str) -> None:
        """Produktion: registrera flödena med scheman hos Prefect-servern (PREFECT_API_URL) och en arbetspool."""
        import os

        if not os.environ.get("PREFECT_API_URL"):
            raise Failure("ange Prefect-serverns adress i PREFECT_API_URL, t.ex. http://127.0.0.1:4200/api")
        from samverkan.flows.deployments import deploy_to_work_pool

        for name in deploy_to_work_pool(work_pool):
            click.echo(f"registrerad: {name} (arbetspool {work_pool})")


def register_notifications(app: click.Group) -> None:
    from samverkan.core.timeutil import local

    @app.command("outbox")
    @click.argument("organisation", required=False)
    @click.option(
        "--status",
        type=click.Choice(["vantar", "skickas", "skickad", "misslyckad", "stoppad"]),
        help="Bara meddelanden med denna status.",
    )
    @click.option("--limit", default=50, show_default=True, help="Högst så många rader.")
    @db_option
    @json_option
    def outbox_command(
        organisation: str | None, status: str | None, limit: int, db_url: str | None, as_json: bool
    ) -> None:
        """Utkorgen: väntande, misslyckade och skickade meddelanden (senaste först)."""
        from sqlmodel import col, select

        from samverkan.models import Notification, Organisation, Person

        def rows(session: Any) -> list[dict[str, Any]]:
            query = select(Notification, Person.email).join(
                Person, col(Person.id) == Notification.person_id, isouter=True
            )
            if organisation:
                org = session.exec(select(Organisation).where(Organisation.key == organisation)).first()
                if org is None:
                    raise ServiceError(f"organisationen '{organisation}' finns inte")
                query = query.where(Notification.organisation_id == org.id)
            if status:
                query = query.where(Notification.status == status)
            found = session.exec(query.order_by(col(Notification.id).desc()).limit(limit)).all()
            return [
                {
                    "id": n.id,
                    "status": n.status,
                    "kind": n.kind,
                    "to": email,
                    "role": n.role_key,
                    "subject": n.subject,
                    "not_before": local(n.not_before).isoformat(timespec="minutes"),
                    "attempts": n.attempts,
                    "last_error": n.last_error,
                }
                for n, email in found
            ]

        found = run(db_url, rows)
        if as_json:
            print_json(found)
            return
        for row in found:
            error = f" – {row['last_error']}" if row["last_error"] else ""
            click.echo(
                f"{row['id']:>6} {label(row['status']):<10} {row['not_before']} {row['to'] or '-'}: "
                f"{row['subject']} (försök {row['attempts']}){error}"
            )
        if not found:
            click.echo("Utkorgen är tom.")

    @app.command("deliver")
    @db_option
    @json_option
    def deliver_command(db_url: str | None, as_json: bool) -> None:
        """Skicka det som står på tur i utkorgen nu (samma som leveransflödet gör var femte minut)."""
        from samverkan.notifications.delivery import deliver_pending

        try:
            engine = open_database(db_url_or_default(db_url))
        except ServiceError as exc:
            raise Failure(str(exc)) from None
        report = deliver_pending(engine)
        if as_json:
            print_json(report.to_dict())
        else:
            click.echo(
                f"skickade {report.sent}, försöker igen {report.retrying}, misslyckade {report.failed}, "
                f"stoppade {report.cancelled}, väntar till arbetsdag {report.postponed}"
            )

    @app.group("notify")
    def notify_group() -> None:
        """Meddelanden."""

    @notify_group.command("test")
    @click.argument("role", metavar="ROLL")
    @click.option("--org", "organisation", required=True, help="Organisationens nyckel eller organisationsfil.")
    @date_option
    @db_option
    @json_option
    def notify_test(role: str, organisation: str, on: date | None, db_url: str | None, as_json: bool) -> None:
        """Skicka ett testmeddelande till ROLLens innehavare och visa per mottagare vad som hände."""
        from pathlib import Path

        from samverkan.orgconfig.validate import validate_file
        from samverkan.services.test_message import send_test

        key = organisation
        if organisation.endswith((".yaml", ".yml")) or Path(organisation).is_file():
            result = validate_file(organisation)
            if result.config is None:
                raise Failure(f"{organisation} är inte giltig: kör 'samverkan validate {organisation}'")
            key = result.config.organisation.key
        try:
            engine = open_database(db_url_or_default(db_url))
            report = send_test(engine, key, role, _on(on))
        except ServiceError as exc:
            raise Failure(str(exc)) from None
        if as_json:
            print_json(report.per_recipient)
        else:
            for recipient in report.per_recipient:
                routes = ", ".join(recipient["routes"]) or "ingen kontaktväg"
                outcome = "skickat" if recipient["status"] == "skickad" else f"INTE skickat: {recipient['error']}"
                click.echo(f"{recipient['to']}: {outcome} ({routes})")
        if report.failed or report.retrying:
            raise click.exceptions.Exit(1)


def register_followup(app: click.Group) -> None:
    from pathlib import Path

    from samverkan.services import est, measurements

    @app.group("est")
    def est_group() -> None:
        """EST: observationer mellan mötena (platser, kategorier, antal – aldrig enskilda personer)."""

    @est_group.command("report")
    @click.argument("organisation")
    @click.option("--body", default="est", show_default=True, help="EST-gruppens nyckel.")
    @click.option("--observed", callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="När (standard: handlingens datum).")
    @click.option("--category", required=True, help="Kategori, t.ex. skadegörelse.")
    @click.option("--area", required=True, help="Område eller plats.")
    @click.option("--source", "source_function", required=True, help="Rapporterande funktion, t.ex. skolan.")
    @click.option("--time-band", type=click.Choice(list(est.TIME_BANDS)), help="Tid på dygnet.")
    @click.option("--count", type=int, help="Antal.")
    @click.option("--severity", type=click.IntRange(1, 3), help="Allvarlighetsgrad 1–3.")
    @click.option("--text", help="Fritext (inga personuppgifter).")
    @common
    def est_report(
        organisation: str,
        body: str,
        observed: date | None,
        category: str,
        area: str,
        source_function: str,
        time_band: str | None,
        count: int | None,
        severity: int | None,
        text: str | None,
        actor: str,
        on: date | None,
        db_url: str | None,
    ) -> None:
        """Rapportera en observation till EST-gruppen."""
        saved = run(
            db_url,
            est.report_observation,
            organisation,
            actor,
            _on(on),
            body_key=body,
            observed_on=observed or _on(on),
            category=category,
            area=area,
            source_function=source_function,
            time_band=time_band,
            count=count,
            severity=severity,
            text=text,
        )
        click.echo(f"Observation nr {saved.id} sparad: {saved.category}, {saved.area}")

    @app.group("measurements")
    def measurements_group() -> None:
        """Mätvärden för indikatorerna."""

    @measurements_group.command("import")
    @click.argument("organisation")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FIL")
    @common
    def measurements_import(organisation: str, file: Path, actor: str, on: date | None, db_url: str | None) -> None:
        """Importera mätvärden från CSV (indikator;period;värde[;preliminär][;källa]). Allt eller inget."""
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise Failure(f"{file} är inte UTF-8; spara filen som CSV UTF-8") from None
        report = run(db_url, measurements.import_measurements, organisation, actor, _on(on), text=text, file=str(file))
        click.echo(f"{file}: {report.created} nya, {report.updated} ändrade, {report.unchanged} oförändrade")


def register_county(app: click.Group) -> None:
    from pathlib import Path

    @app.command("county-report")
    @click.argument("county_board", metavar="LÄNSSTYRELSE")
    @click.option("--month", required=True, metavar="ÅÅÅÅ-MM", help="Månaden som rapporten gäller.")
    @click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Skriv rapporten som HTML (och PDF).")
    @db_option
    @json_option
    def county_report_command(
        county_board: str, month: str, out: Path | None, db_url: str | None, as_json: bool
    ) -> None:
        """Länsrapporten: kommunernas EST-rapportering, gemensamma problem och vem som ligger efter."""
        import re
        from dataclasses import asdict

        from samverkan.services.county import county_report
        from samverkan.templates.rendering import render

        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise Failure(f"'{month}' är ingen månad (ÅÅÅÅ-MM)")
        report = run(db_url, lambda s: county_report(s, county_board, month))
        if as_json:
            print_json(asdict(report))
            return
        html = render("documents/county.html.j2", r=report)
        if out:
            out.write_text(html, encoding="utf-8")
            from samverkan.services.documents import write_pdf

            write_pdf(html, out.with_suffix(".pdf"))
            click.echo(f"{out} och {out.with_suffix('.pdf')} skrivna")
        for member in report.members:
            state = "efter" if member.behind else "i fas"
            click.echo(
                f"{member.name}: {'rapporterat' if member.reported else 'ej rapporterat'}, "
                f"{member.observations} observationer, {member.phase or 'ingen cykel'} ({state})"
            )
        for category, count, kommuner in report.categories:
            click.echo(f"  {category}: {count} ({kommuner} kommuner)")


def register_packets(app: click.Group) -> None:
    from pathlib import Path

    from samverkan.services.packets import PACKET_KINDS, render_packet

    @app.command("packet")
    @click.argument("organisation")
    @click.option(
        "--kind", required=True, type=click.Choice(list(PACKET_KINDS)), help="Vilket beslut underlaget gäller."
    )
    @click.option("--body", required=True, help="Det beslutande organet, t.ex. styrgrupp.")
    @click.option("--meeting", required=True, callback=parse_date, metavar="ÅÅÅÅ-MM-DD", help="Mötesdatum.")
    @click.option(
        "--out",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("var/handlingar"),
        show_default=True,
        help="Mapp för underlaget.",
    )
    @click.option("--no-pdf", is_flag=True, help="Bara HTML.")
    @db_option
    def packet_command(
        organisation: str, kind: str, body: str, meeting: date, out: Path, no_pdf: bool, db_url: str | None
    ) -> None:
        """Ta fram ett beslutsunderlag (HTML och PDF) ur databasen."""
        path = run(db_url, lambda s: render_packet(s, organisation, kind, meeting, body, out, pdf=not no_pdf))
        click.echo(f"Beslutsunderlag: {path}")
