"""The client's address, as the login throttle (and its audit events) should see it.

By default the socket's peer (``REMOTE_ADDR``). Behind a reverse proxy every request comes from the proxy,
so one client's failures would throttle everyone: set ``READINGROOM_TRUSTED_PROXY_HEADER`` (e.g.
``X-Forwarded-For``) and ``READINGROOM_TRUSTED_PROXIES``, either

* a number N (default 1): N proxies stand in front of the archive, each appending the address it got the
  request from; the client is the N-th address from the right of the header. Use this only when the
  archive cannot be reached except through the proxies (a direct client could otherwise name any
  address); or
* a comma-separated list of proxy addresses or networks (``10.0.0.1, 10.1.0.0/16``): the header is only
  read when the socket's peer is one of them, and the client is the right-most address in it that is
  not a trusted proxy.

A header that is not configured is never read; an entry that is not an IP address is never used.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _ip(value: str):
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted() -> tuple[int | None, list]:
    """(count, networks) from READINGROOM_TRUSTED_PROXIES: one of them is set."""
    raw = str(getattr(settings, "READINGROOM_TRUSTED_PROXIES", "1") or "1").strip()
    if raw.isdigit():
        return int(raw), []
    networks = []
    for part in raw.split(","):
        if part.strip():
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
    return None, networks


def _meta_key(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


def client_address(request) -> str:
    """The address of the client that sent ``request`` ('' without a request)."""
    if request is None:
        return ""
    peer = str(request.META.get("REMOTE_ADDR", "") or "")[:100]
    header = str(getattr(settings, "READINGROOM_TRUSTED_PROXY_HEADER", "") or "").strip()
    if not header:
        return peer
    forwarded = [part.strip() for part in str(request.META.get(_meta_key(header), "") or "")[:4096].split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return peer
    count, networks = _trusted()
    if count is not None:
        if count == 0:
            return peer
        chosen = forwarded[-count] if len(forwarded) >= count else forwarded[0]
        ip = _ip(chosen)
        return str(ip) if ip is not None else peer
    peer_ip = _ip(peer)
    if peer_ip is None or not any(peer_ip in net for net in networks):
        return peer  # not from a trusted proxy: the header is whatever the client wrote
    for part in reversed(forwarded):
        ip = _ip(part)
        if ip is None:
            return peer
        if not any(ip in net for net in networks):
            return str(ip)
    ip = _ip(forwarded[0])
    return str(ip) if ip is not None else peer


def throttle_key(address: str) -> str:
    """What failures from ``address`` are counted under: the address itself, or for IPv6 its /64 (one
    client usually holds a whole /64)."""
    ip = _ip(address) if address else None
    if ip is None:
        return address[:100]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
