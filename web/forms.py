"""The page layer's one way to act: parse the posted form into the action's input model, run the service in one
write transaction with the viewer as actor, then redirect with a notice, or show the page again with the refusal.
`Page` declares an organisation's page and its forms, one line each, on top of that."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from inspect import Parameter, Signature
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from samverkan.services.actor import Actor
from samverkan.services.errors import RefusedError, ServiceError
from samverkan.services.inputs import problems
from samverkan.services.membership import Membership
from samverkan.web.security import Viewer, csrf_protected, done_reading, require_viewer, state
from samverkan.web.views import Id, membership, redirect, show

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
    """The viewer acting in the organisation today; their row, read with the session cookie, goes along."""
    return Actor(key, viewer.person.email, state(request).today(), person=viewer.person)


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
    done_reading(request)  # the viewer was read; the write is a transaction of its own
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


class NoInput(BaseModel):
    """The input of an action whose form has nothing but its button."""


@dataclass(frozen=True)
class Visit:
    """What a page's read function is given: the read transaction, the viewer's membership in the organisation
    `key`, and the path's numbers (such as `item_id`)."""

    session: Session
    member: Membership
    request: Request
    viewer: Viewer
    key: str
    numbers: Mapping[str, int]

    @property
    def today(self) -> date:
        return state(self.request).today()


Read = Callable[[Visit], Mapping[str, object]]


@dataclass(frozen=True)
class Page:
    """An organisation's page: its path, template and what it reads. It registers its own GET route; each form
    posted from it is declared once with `action`. A refused action shows the page again with the refusal."""

    router: APIRouter
    path: str
    template: str
    read: Read
    context: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        get = _Endpoint(self.path, lambda request, viewer, key, **numbers: self.show(request, viewer, key, numbers))
        self.router.add_api_route(self.path, get, methods=["GET"], response_class=HTMLResponse)

    def show(
        self,
        request: Request,
        viewer: Viewer,
        key: str,
        numbers: Mapping[str, int],
        error: ServiceError | None = None,
        typed: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The page; with `error`, shown again after a refused action, with the fields as typed (`form`)."""

        def read(session: Session, member: Membership) -> dict[str, Any]:
            return dict(self.read(Visit(session, member, request, viewer, key, numbers)))

        return show(request, viewer, key, self.template, read, error, form=typed or {}, **self.context)

    def again(self, request: Request, viewer: Viewer, key: str, form: FormData | None = None, **numbers: int) -> Again:
        """The page shown again with a refusal (and the posted fields)."""
        typed = form_fields(form) if form is not None else None
        return lambda exc: self.show(request, viewer, key, numbers, exc, typed)

    def action(
        self,
        path: str,
        model: type[M],
        act: Callable[[Session, Actor, M], T],
        notice: str | Callable[[T, M], str],
        committed: Callable[[Request, T], None] | None = None,
    ) -> None:
        """A form posted to `path`: its fields and the path's numbers make `model`, `act` runs with the viewer as
        actor, then back to this page with `notice` (a text formatted with `result` and `given`, such as
        "Beslut nr {result.id} är protokollfört.", or a function of both); `committed` runs after the commit."""
        told = notice if callable(notice) else lambda result, given: notice.format(result=result, given=given)

        def post(request: Request, viewer: Viewer, key: str, form: FormData, **numbers: int) -> Response:
            def run(session: Session, actor: Actor) -> tuple[M, T]:
                given = parse(model, form_fields(form), **numbers)
                return given, act(session, actor, given)

            return submit(
                request, viewer, key, run,
                lambda done: (self.path.format(key=key, **numbers), told(done[1], done[0])),
                self.again(request, viewer, key, form, **numbers),
                None if committed is None else lambda done: committed(request, done[1]),
            )  # fmt: skip

        route = _Endpoint(path, post, posted=True, model=model)
        self.router.add_api_route(path, route, methods=["POST"], response_class=HTMLResponse)


class _Endpoint:
    """A route function made from a path: FastAPI reads its signature, which names the viewer, the organisation's
    key, each other path parameter as a bounded number (`Id`, so FastAPI refuses a bad one) and, for a POST, the
    posted form."""

    def __init__(
        self, path: str, run: Callable[..., Response], posted: bool = False, model: type[BaseModel] | None = None
    ) -> None:
        numbers = [name for name in re.findall(r"{(\w+)}", path) if name != "key"]
        given = [("request", Request), ("viewer", Logged), ("key", str), *((n, Id) for n in numbers)]
        given += [("form", Posted)] if posted else []
        self.__signature__ = Signature([Parameter(name, Parameter.KEYWORD_ONLY, annotation=a) for name, a in given])
        self.run = run
        self.model = model  # the posted form's input model: its fields' titles (web/security.py::typed_back)

    def __call__(self, **values: Any) -> Response:
        return self.run(**values)
