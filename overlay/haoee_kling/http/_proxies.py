"""Which proxy a request goes through, for errors that should name it.

httpx takes proxies from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, with
`NO_PROXY` exceptions) when a client trusts it, as the client's own does. When a request gets
no answer, the error says which proxy it went through, so "could not connect" through a dead
proxy does not read as the gateway being down. A proxy URL may hold a user and password: they
are never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = ["proxy_for", "shown_proxy"]


def shown_proxy(url: str) -> str:
    """A proxy URL fit to print: any user and password replaced by `[REDACTED]`."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.username is None and parts.password is None:
        return url
    netloc = "[REDACTED]@" + parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc).geturl()


def proxy_for(url: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """The proxy the environment gives a request to `url`, as httpx picks it.

    Args:
        url: the request's absolute URL.
        env: the environment (`os.environ`).

    Returns:
        (the variable that set it, the proxy URL with credentials hidden), or None when no
        proxy applies (none set, or `NO_PROXY` exempts the host).
    """
    parts = urlsplit(url)
    for name in (f"{parts.scheme}_proxy", "all_proxy"):
        for variable in (name, name.upper()):
            value = env.get(variable, "").strip()
            if not value:
                continue
            if _exempt(parts.hostname or "", env.get("no_proxy") or env.get("NO_PROXY") or ""):
                return None
            return variable, shown_proxy(value)
    return None


def _exempt(host: str, no_proxy: str) -> bool:
    """Whether `NO_PROXY` (comma-separated hosts and domains, `*` for all) covers `host`."""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        name = entry.split("://")[-1].rsplit(":", 1)[0] if entry.count(":") == 1 else entry
        name = name.lstrip(".")
        if entry == "*" or (name and (host == name or host.endswith("." + name))):
            return True
    return False
