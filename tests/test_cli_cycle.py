"""Fagersta through a full cycle and into the next, through the `samverkan` command line."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from samverkan.cli.main import app
from samverkan.database import make_engine
from tests.conftest import EXAMPLES
from tests.drive import KOMMUNPOLIS, LPO_CHEF, NY_KSO, SAMORDNARE, indicator_id


class Cli:
    def __init__(self, db_url: str) -> None:
        self.runner, self.db_url = CliRunner(), db_url

    def __call__(self, *args: str, who: str | None = None, date: str = "2027-01-11", ok: bool = True) -> str:
        argv = [*args, "--db", self.db_url]
        if who:
            argv += ["--as", who, "--date", date]
        result = self.runner.invoke(app, argv)
        assert (result.exit_code == 0) == ok, f"{argv}: {result.output}"
        return result.stdout if ok else result.stderr

    def done(self, item: str, who: str, kind: str, title: str, ok: bool = True, **extra: str) -> str:
        args = ["cycle", "complete", "fagersta", item, "--evidence", kind, "--title", title]
        for key, value in extra.items():
            args += [f"--{key}", value]
        return self(*args, who=who, ok=ok)

    def decide(self, title: str, kind: str = "beslut") -> str:
        out = self(
            "decision",
            "record",
            "fagersta",
            "--body",
            "styrgrupp",
            "--kind",
            kind,
            "--title",
            title,
            "--text",
            f"Styrgruppen beslutar: {title}.",
            who=SAMORDNARE,
        )
        return out.split()[2].rstrip(":")  # "Beslut nr 3: ..." → "3"


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_full_cycle_through_the_cli(db_url: str) -> None:
    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    assert cli("cycle", "start", "fagersta", who=SAMORDNARE) == "Cykel 1 har startat (samverkan).\n"

    cli.done("beslut-om-samverkan", SAMORDNARE, "beslut", "Beslut", decision=cli.decide("Samverkan"))
    cli.done("roller-och-ansvar", KOMMUNPOLIS, "dokument", "Roller", uri="diarium:KS 2027/3")
    cli.done("organisation-utsedd", SAMORDNARE, "beslut", "Organisation", decision=cli.decide("Organisation"))
    out = cli.done("kommunikationsplan", SAMORDNARE, "dokument", "Plan", uri="diarium:KS 2027/4")
    assert out.endswith("Fasen Initiera samverkan är klar.\nNu pågår: Lägesbild.\n")

    for item, who in (
        ("kommunens-lagesbild", SAMORDNARE),
        ("polisens-lagesbild", KOMMUNPOLIS),
        ("gemensam-lagesbild", SAMORDNARE),
    ):
        cli.done(item, who, "dokument", item, uri=f"diarium:{item}")
    cli.done("medarbetardialoger", KOMMUNPOLIS, "dialog", "Dialog")
    cli.done("ledningen-har-tagit-del", SAMORDNARE, "beslut", "Tagit del", decision=cli.decide("Tagit del"))
    refused = cli("cycle", "advance", "fagersta", who=SAMORDNARE, ok=False)
    assert refused.startswith("fel: Fasen Lägesbild kan inte avslutas. Det saknas:\n  - Styrgruppen har prioriterat")
    problem = cli("problem", "add", "fagersta", "Skadegörelse i centrum", who=SAMORDNARE).split()[2].rstrip(":")
    decided = cli("problem", "decide", "fagersta", "--rank", f"{problem}=1", who=SAMORDNARE)
    number = re.search(r"beslut nr (\d+)", decided, re.IGNORECASE)
    assert number, decided
    out = cli.done("problem-prioriterade", SAMORDNARE, "beslut", "Prioritering", decision=number.group(1))
    assert "Nu pågår: Orsaksanalys." in out

    cause = cli(
        "cause", "add", "fagersta", problem, "--perspective", "plats", "--text", "Mörkt torg", who=KOMMUNPOLIS
    ).split()[2]
    for perspective in ("brottsutsatt", "garningsperson"):
        cli("analysis", "not-relevant", "fagersta", problem, "--perspective", perspective, "--reason", "platsen styr",
            who=KOMMUNPOLIS)  # fmt: skip
    cli("analysis", "complete", "fagersta", problem, who=KOMMUNPOLIS)
    cli.done("orsaksanalyser", KOMMUNPOLIS, "dokument", "Orsaksanalys", uri="diarium:OA")
    assert "Nu pågår: Överenskommelse." in cli.done("medborgardialog", SAMORDNARE, "dialog", "Trygghetsvandring")

    cli.done("mal-formulerade", SAMORDNARE, "dokument", "Mål", uri="diarium:mal")
    refused = cli.done("overenskommelse-undertecknad", SAMORDNARE, "dokument", "SÖ", uri="diarium:SÖ", ok=False)
    assert "saknar innehåll: revisionsdatum, minst ett prioriterat problem" in refused
    cli("agreement", "terms", "fagersta", "--from", "2027-01-01", "--to", "2030-12-31", "--review", "2028-12-31",
        "--documentation", "Protokoll", "--follow-up", "Kvartalsvis", who=SAMORDNARE)  # fmt: skip
    cli("agreement", "problem", "fagersta", problem, who=SAMORDNARE)
    anmalda = str(indicator_id(make_engine(cli.db_url), "anmalda-brott"))
    cli("agreement", "goal", "fagersta", "--indicator", anmalda, "--text", "Färre anmälda brott", "--target", "10000",
        "--target-year", "2030", who=SAMORDNARE)  # fmt: skip
    cli("handover", "fagersta", "kso", "--to", NY_KSO, "--name", "Nadja Nyval", "--from", "2027-01-01", who=SAMORDNARE)
    assert "väntar på underskrift" in cli("sign", "fagersta", who=NY_KSO)
    assert cli("sign", "fagersta", who=LPO_CHEF).endswith(": undertecknad\n")
    cli.done("overenskommelse-undertecknad", SAMORDNARE, "dokument", "Överenskommelse", uri="diarium:SÖ")
    refused = cli(
        "measure",
        "add",
        "fagersta",
        "--title",
        "Belysning",
        "--owner",
        "samordnare",
        "--due",
        "2027-09-30",
        "--follow-up",
        "Anmälningar per kvartal",
        who=SAMORDNARE,
        ok=False,
    )
    assert "vilken orsak åtgärden verkar på" in refused
    measure = cli(
        "measure",
        "add",
        "fagersta",
        "--cause",
        cause,
        "--title",
        "Belysning",
        "--owner",
        "samordnare",
        "--due",
        "2027-09-30",
        "--follow-up",
        "Anmälningar per kvartal",
        "--indicator",
        anmalda,
        who=SAMORDNARE,
    ).split()[2]
    measure = measure.rstrip(":")
    cli.done("atgardsplaner-antagna", SAMORDNARE, "beslut", "Åtgärdsplan", decision=cli.decide("Åtgärdsplan"))
    cli("promise", "text", "fagersta", "--text", "Tryggare kvällar i centrum", who=SAMORDNARE)
    cli("promise", "activity", "fagersta", "--title", "Belysning", "--owner", "fagersta", "--due", "2027-06-30",
        who=SAMORDNARE)  # fmt: skip
    cli("sign", "fagersta", "promise", who=NY_KSO)
    cli("sign", "fagersta", "promise", who=LPO_CHEF)
    refused = cli.done("medborgarloften", KOMMUNPOLIS, "lank", "Löftet", uri="https://x.example/l", ok=False)
    assert "är inte kommunicerat till medborgarna" in refused
    cli("promise", "communicated", "fagersta", "--on", "2027-01-11", "--how", "Lokaltidningen", who=SAMORDNARE)
    cli.done("medborgarloften", KOMMUNPOLIS, "lank", "Löftet", uri="https://www.fagersta.example/lofte")
    assert "Nu pågår: Genomförande." in cli.done("uppfoljning-planerad", SAMORDNARE, "dokument", "Plan", uri="d:1")

    cli.done("arbetsgrupper-bildade", SAMORDNARE, "beslut", "Arbetsgrupp", decision=cli.decide("Arbetsgrupp"))
    cli.done("medarbetardialog-genomforande", KOMMUNPOLIS, "dialog", "Dialog")
    cli("measure", "update", "fagersta", measure, "--status", "gron", "--progress", "100", who=SAMORDNARE)
    assert "Nu pågår: Uppföljning." in cli.done("atgarder-genomforda", SAMORDNARE, "dokument", "Dok", uri="d:2")

    refused = cli.done("effekter-undersokta", SAMORDNARE, "dokument", "Effekter", uri="d:3", ok=False)
    assert "'Anmälda brott per 100 000 invånare' har inget värde för cykel 1" in refused
    reason = "Brås statistik för 2027 publiceras i mars 2028"
    assert "Skälet är sparat" in cli("followup", "explain", "fagersta", "anmalda-brott", reason, who=SAMORDNARE)
    cli.done("effekter-undersokta", SAMORDNARE, "dokument", "Effekter", uri="d:3")
    cli.done("ataganden-bedomda", KOMMUNPOLIS, "dokument", "Åtaganden", uri="d:4")
    cli.done("arbetsprocessen-granskad", SAMORDNARE, "dokument", "Process", uri="d:5")
    cli.done("rapporterad-till-styrgruppen", SAMORDNARE, "beslut", "Rapport", decision=cli.decide("Rapport"))
    out = cli.done("aterkoppling-medborgare", KOMMUNPOLIS, "lank", "Återkoppling", uri="https://x.example/a")
    assert out.endswith("Cykel 1 är avslutad; cykel 2 har startat.\nNu pågår: Lägesbild.\n")

    status = json.loads(cli("cycle", "status", "fagersta", "--json"))
    assert (status["number"], status["current_phase"]) == (2, "Lägesbild")
    assert status["phases"][0]["key"] == "lagesbild"
    pack = json.loads(cli("handover", "fagersta", "samordnare", "--json"))
    assert pack["holders"] == ["Maria Exempelsson <maria.exempelsson@fagersta.example>"]
    assert any(d["title"] == "Rapport" for d in pack["recent_decisions"])


@pytest.mark.usefixtures("engine")  # a test database: --as is accepted
def test_options_are_checked_by_the_actions_input_model_in_swedish(db_url: str) -> None:
    cli = Cli(db_url)
    cli("load", str(EXAMPLES / "fagersta.yaml"))
    cli("cycle", "start", "fagersta", who=SAMORDNARE)
    refused = cli("measure", "update", "fagersta", "1", "--progress", "150", "--hours", "-2", who=SAMORDNARE, ok=False)
    assert refused == (
        "fel: ogiltiga uppgifter:\n  - Genomfört (%): ska vara högst 100 (fick 150)\n"
        "  - Nedlagda timmar: ska vara minst 0.0 (fick -2.0)\n"
    )
    refused = cli("problem", "prioritise", "fagersta", "1", "--rank", "0", who=SAMORDNARE, ok=False)
    assert refused == "fel: ogiltiga uppgifter:\n  - Prioritetsordning: ska vara minst 1 (fick 0)\n"
