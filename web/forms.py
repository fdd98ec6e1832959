"""The page layer's one way to act: parse the posted form into the action's input model, run the service in one
write transaction with the viewer as actor, then redirect with a notice, or show the page again with the refusal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError, ServiceError
from samverkan.services.inputs import problems
from samverkan.web.security import Viewer, csrf_protected, require_viewer, state
from samverkan.web.views import membership, redirect

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Logged = Annotated[Viewer, Depends(require_viewer)]
Again = Callable[[ServiceError], Response]  # the page shown again, with the refusal


def page_router() -> APIRouter:
    """A router for pages: not in the API description, and every POST checked for the form's CSRF token."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protected)])


async def posted_form(request: Request) -> FormData:
    """The posted form (parsed once per request; the CSRF check read the same)."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted_form)]


def form_fields(form: Mapping[str, Any]) -> dict[str, str]:
    """The form's text fields that were filled in; an empty field counts as not given."""
    return {name: value for name, value in form.items() if isinstance(value, str) and value != ""}


def parse(model: type[M], fields: Mapping[str, Any], **fixed: Any) -> M:
    """The action's input from the form's fields (and values the page fixes, such as a number from the path).
    Invalid input is refused in Swedish, each problem named by the field's title."""
    data = {name: fields[name] for name in model.model_fields if name in fields}
    try:
        return model.model_validate({**data, **fixed})
    except ValidationError as exc:
        raise RefusedError("Uppgifterna i formuläret är inte giltiga:", problems(model, exc)) from None


def upload_of(form: Mapping[str, Any], name: str = "file") -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def actor_of(request: Request, viewer: Viewer, key: str) -> Actor:
    return Actor(key, viewer.person.email, state(request).today())


def submit(
    request: Request,
    viewer: Viewer,
    key: str,
    act: Callable[[Session, Actor], T],
    done: Callable[[T], tuple[str, str]],
    again: Again,
    committed: Callable[[T], None] | None = None,
) -> Response:
    """One action from a page: membership, the service and the notice (url, text) in one write transaction;
    a refusal shows the page again with its message and status. `committed` runs after the commit."""
    try:
        with state(request).write() as session:
            membership(session, request, viewer, key)
            result = act(session, actor_of(request, viewer, key))
            url, notice = done(result)
    except ServiceError as exc:
        return again(exc)
    if committed is not None:
        committed(result)
    return redirect(url, notice)
