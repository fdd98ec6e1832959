"""`GET /health` for load balancers and monitoring, and `GET /metrics` (Prometheus text) with the sweep and
delivery counts. No login: both show aggregates only (services/health.py). Put /metrics behind the reverse
proxy's allow-list if it should not be public."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlmodel import Session

from samverkan.services.health import check, metrics

router = APIRouter(include_in_schema=False)


@router.get("/health")
def health(request: Request, strikt: bool = False) -> JSONResponse:
    """200 when the database answers and its schema is current, else 503. `?strikt=1`: a sweep older than
    26 hours is a failure too (for monitoring, not for the load balancer)."""
    state = check(request.app.state.web.engine)
    healthy = state.ok and not (strikt and state.sweep_stale)
    return JSONResponse(state.to_dict(), status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})


@router.get("/metrics")
def metrics_text(request: Request) -> PlainTextResponse:
    with Session(request.app.state.web.engine) as session:
        counts = metrics(session)
    lines = ["# TYPE samverkan_outbox_notifications gauge"]
    lines += [f'samverkan_outbox_notifications{{status="{s}"}} {n}' for s, n in sorted(counts["outbox"].items())]
    lines.append("# TYPE samverkan_delivery_attempts_total counter")
    lines += [f'samverkan_delivery_attempts_total{{ok="{k}"}} {n}' for k, n in counts["delivery_attempts"].items()]
    lines.append("# TYPE samverkan_sweep_runs_total counter")
    lines += [f'samverkan_sweep_runs_total{{scope="{s}"}} {r["runs"]}' for s, r in counts["sweeps"].items()]
    lines.append("# TYPE samverkan_sweep_notifications_last_run gauge")
    lines += [
        f'samverkan_sweep_notifications_last_run{{scope="{s}"}} {r["notifications_last_run"]}'
        for s, r in counts["sweeps"].items()
    ]
    return PlainTextResponse("\n".join(lines) + "\n", headers={"Cache-Control": "no-store"})
