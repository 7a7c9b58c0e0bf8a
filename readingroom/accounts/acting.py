"""Who is acting now: the request being served (set by ``HistoryMiddleware``), or the operating-system user.

The base of every layer: the database router reads :data:`current_request` to choose a replica, and the
history (audit events, versions) reads :func:`who` to say who wrote.
"""

from __future__ import annotations

import contextvars
import getpass
import socket

from readingroom.accounts.addresses import client_address

#: the request being served (set by HistoryMiddleware): who and from where, for events written meanwhile
current_request: contextvars.ContextVar = contextvars.ContextVar("readingroom_request", default=None)


def who() -> tuple[str, str, str]:
    """(actor, source, address) of whatever is writing now: the request's user, or the operating-system user."""
    request = current_request.get()
    if request is not None:
        user = getattr(request, "user", None)
        name = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        address = client_address(request)
        return name, "web", address
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    return user, "cli", socket.gethostname()
