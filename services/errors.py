"""Errors the service layer raises; their messages are shown to people as they are (Swedish)."""


class ServiceError(Exception):
    """A request that cannot be carried out, with a message that says why."""


class NotFoundError(ServiceError):
    pass


class NotPermittedError(ServiceError):
    """The person does not hold a role that may do this, on that date."""


class RefusedError(ServiceError):
    """The action is not possible in the current state; `missing` lists what is lacking."""

    def __init__(self, message: str, missing: list[str] | None = None) -> None:
        self.missing = missing or []
        text = message if not self.missing else message + "\n" + "\n".join(f"  - {m}" for m in self.missing)
        super().__init__(text)


class ConflictError(ServiceError):
    """Someone else changed the same thing at the same time; exactly one change was applied."""
