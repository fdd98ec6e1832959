"""Errors the service layer raises; their messages are shown to people as they are (Swedish)."""


class ServiceError(Exception):
    """A request that cannot be carried out, with a message that says why."""


class NotFoundError(ServiceError):
    pass
