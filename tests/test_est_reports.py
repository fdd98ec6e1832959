"""An EST period: observations → the monthly report with totals, trends, persistent problems flagged and small
counts suppressed, delivered as a PDF to the länsstyrelse at a real SMTP server; packet timing."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy.engine import Engine

from samverkan.database import session_scope
from samverkan.notifications.delivery import deliver_pending
from samverkan.services import est
from samverkan.services.sweep import sweep
from tests.receivers import SmtpServer
from tests.test_delivery import at, fagersta

LANSSTYRELSEN = "helena.lansson@lansstyrelsen.example"


def test_monthly_est_report_reaches_the_lansstyrelse_with_totals_and_flags(
    engine: Engine, smtp_settings: SmtpServer, tmp_path: object
) -> None:
    f = fagersta(engine)
    f.on = date(2027, 2, 26)
    for observed, category, area, count in (
        (date(2027, 1, 20), "skadegörelse", "Centrum", 3),
        (date(2027, 2, 9), "skadegörelse", "Centrum", 5),
        (date(2027, 2, 16), "klotter", "Stationen", 2),
        (date(2027, 2, 23), "nedskräpning", "Centrum", 4),
    ):
        f(
            est.report_observation,
            "lisa.faltare@fagersta.example",
            body_key="est",
            observed_on=observed,
            category=category,
            area=area,
            source_function="socialtjänsten",
            count=count,
        )
    documents = tmp_path / "handlingar"  # type: ignore[operator]
    with session_scope(engine) as session:
        result = sweep(
            session, at(date(2027, 3, 5), 6), kinds=["est_report"], lookback_days=0, documents_dir=documents
        ).to_dict()
    assert result["actions"] == {"manadsrapport": 1} and result["notifications"]["lansstyrelsen-samordnare"] == 1
    deliver_pending(engine, at(date(2027, 3, 5)))
    (mail,) = smtp_settings.to(LANSSTYRELSEN)
    # the subject names the period the report covers (February), not the month it is sent in
    assert str(mail["Subject"]) == "EST-rapport till Länsstyrelsen Västmanland och Lokala BRÅ – februari 2027"
    (attachment,) = mail.iter_attachments()
    assert attachment.get_filename() == "rapport-est-manadsrapport-2027-03-05-manadsrapport.pdf"
    text = " ".join(PdfReader(io.BytesIO(attachment.get_payload(decode=True))).pages[0].extract_text().split())
    text = text.replace("\u2010 ", "")  # words hyphenated at line ends (Swedish hyphenation in the print CSS)
    assert "Period 2027-02-01–2027-02-28" in text
    assert "Observationer totalt: 11 (föregående period: 3)" in text
    assert "skadegörelse 5 ökar – kvarstår, föreslås för eskalering" in text
    assert "klotter <3 ökar" in text and "nedskräpning 4 ökar" in text
    html = (documents / "fagersta" / "rapport-est-manadsrapport-2027-03-05-manadsrapport.html").read_text()
    assert '<tr class="persistent"><td>skadegörelse</td><td>5</td>' in html


def test_packets_go_out_the_configured_number_of_working_days_before(engine: Engine) -> None:
    fagersta(engine, extra_yaml="packets:\n  working_days_before: 8\n")
    with session_scope(engine) as session:  # direction decision on Thursday 11 March; 8 working days before
        assert sweep(session, at(date(2027, 3, 1), 6), kinds=["direction_decision"], lookback_days=0).to_dict()[
            "actions"
        ] == {"beslutsunderlag": 1}
    with session_scope(engine) as session:
        assert (
            sweep(session, at(date(2027, 3, 4), 6), kinds=["direction_decision"], lookback_days=0).to_dict()["actions"]
            == {}
        )  # not the default 5 days any more


def test_the_packet_summarises_the_lagesbild_with_suppression(engine: Engine, tmp_path: object) -> None:
    from samverkan.services.packets import render_packet

    f = fagersta(engine)
    f.on = date(2027, 3, 1)
    for observed, category, count in (
        (date(2027, 1, 20), "skadegörelse", 3),
        (date(2027, 2, 9), "skadegörelse", 5),
        (date(2027, 2, 16), "klotter", 2),
    ):
        f(
            est.report_observation,
            "lisa.faltare@fagersta.example",
            body_key="est",
            observed_on=observed,
            category=category,
            area="Centrum",
            source_function="socialtjänsten",
            count=count,
        )
    with session_scope(engine) as session:
        path = render_packet(
            session, "fagersta", "inriktningsbeslut", date(2027, 3, 11), "lokala-bra", tmp_path, pdf=False
        )  # type: ignore[arg-type]
    html = path.read_text(encoding="utf-8")
    assert "skadegörelse 8, klotter &lt;3." in html
