"""EST: the lägesbild and reporting an observation from a phone."""

from __future__ import annotations

from samverkan.models.enums import BodyKind
from samverkan.services import est
from samverkan.services.bodies import active_bodies
from samverkan.services.documents import lagesbild_summary
from samverkan.services.est_charts import est_by_month
from samverkan.services.inputs import Observation
from samverkan.web.forms import Page, Visit, page_router


def _read(visit: Visit) -> dict[str, object]:
    organisation, person = visit.member.organisation, visit.viewer.person
    groups = active_bodies(visit.session, organisation, BodyKind.EST)
    return {
        "groups": groups,
        "categories": est.categories_of(organisation).names,
        "est_chart": est_by_month(visit.session, organisation, visit.today),
        "other": est.OTHER,
        "oldest": est.oldest_observation(visit.today),
        "bodies": [b for b in groups if est.reporting_role(visit.session, organisation, person, b, visit.today)],
        "picture": lagesbild_summary(visit.session, visit.member.organisation, visit.today, days=90),
    }


router = page_router()
page = Page(router, "/org/{key}/est", "est.html.j2", _read, {"time_bands": est.TIME_BANDS})
# a refused observation shows the page again with the fields as typed
page.action("/org/{key}/est", Observation, est.report_observation, "Tack! Observationen är sparad.")
