"""What counts as a secret in a recorded exchange: one table that both scrubs and scans.

Recording (tests/live/conftest.py) replaces every match before a cassette is written; the
cassette check (tools/validate_cassettes.py) fails on any match left in a file. Keeping the
patterns in one place means a pattern added for scanning is scrubbed too, and vice versa.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.live.spec_check import load_schema, spec_path_of

__all__ = ["SECRET_PATTERNS", "Finding", "find_secrets", "scrub_text", "vcr_settings"]

REDACTED = "REDACTED"

# Query parameters that make a media URL a signed one (S3, OSS, COS, CDN auth, Azure SAS).
_SIGNING = re.compile(
    r"(?i)(?:^|[?&])(?:X-Amz-[A-Za-z-]+|x-oss-[a-z-]+|q-sign-[a-z-]+|Signature|OSSAccessKeyId|"
    r"token|auth_key|sig|se|sp|sv)="
)


def _signed_query(match: re.Match[str]) -> str:
    query = match.group(0)
    return f"?{REDACTED}-SIGNED-QUERY" if _SIGNING.search(query) else query


# (what it is, pattern, replacement). Signed query strings go first, so a token inside one is
# replaced together with the rest of the query.
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    ("signed URL query string", re.compile(r"\?[^\s\"'<>#?]+"), _signed_query),
    (
        "Bearer token",
        re.compile(rf"(?i)\bbearer\s+(?!{REDACTED}\b)[A-Za-z0-9._~+/=-]{{6,}}"),
        f"Bearer {REDACTED}",
    ),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}"), f"{REDACTED}-JWT"),
    ("sk- key", re.compile(r"\bsk-[A-Za-z0-9_-]{12,}"), f"{REDACTED}-KEY"),
    ("long hex key", re.compile(r"\b[0-9A-Fa-f]{32,}\b"), f"{REDACTED}-KEY"),
    (
        "ULID-like key",
        re.compile(r"\b(?=[0-9A-Z]{0,25}[A-Z])(?=[0-9A-Z]{0,25}[0-9])[0-9A-Z]{26}\b"),
        f"{REDACTED}-KEY",
    ),
)


@dataclass(frozen=True)
class Finding:
    """A secret-looking string found in a text."""

    kind: str
    line: int
    excerpt: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.excerpt}"


def scrub_text(text: str, literals: Iterable[str] = ()) -> str:
    """``text`` with every secret pattern and every given literal (e.g. the key) replaced."""
    for literal in literals:
        if literal:
            text = text.replace(literal, f"<{REDACTED}>")
    for _kind, pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def find_secrets(text: str) -> list[Finding]:
    """Every secret-looking match in ``text``, with its line number and a shortened excerpt."""
    found = []
    for kind, pattern, _replacement in SECRET_PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "signed URL query string" and not _SIGNING.search(value):
                continue
            excerpt = f"{value[:4]}…({len(value)} chars)"
            found.append(Finding(kind, text.count("\n", 0, match.start()) + 1, excerpt))
    return sorted(found, key=lambda finding: finding.line)


def vcr_settings(key: str) -> dict[str, Any]:
    """vcrpy settings for recording live calls made with ``key``: secrets never reach a file.

    Headers and bodies of requests and responses go through `scrub_text`; probes of routes the
    spec does not describe (open questions) are not kept, because every cassette is replayed
    and validated against the spec.
    """

    def scrub_request(request: Any) -> Any:
        path = spec_path_of(urlsplit(request.uri).path)
        if load_schema().find_operation_by_path(request.method, path) is None:
            return None
        request.uri = scrub_text(request.uri, [key])
        if isinstance(request.body, bytes):
            request.body = scrub_text(request.body.decode("utf-8", "replace"), [key]).encode()
        return request

    def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
        body = response.get("body", {}).get("string", b"")
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        response["body"]["string"] = scrub_text(body, [key]).encode()
        headers = response.get("headers", {})
        for name in [n for n in headers if n.lower() in {"set-cookie", "authorization"}]:
            del headers[name]
        for name, values in headers.items():
            headers[name] = [scrub_text(str(value), [key]) for value in values]
        return response

    return {
        "filter_headers": [("authorization", f"Bearer {REDACTED}"), ("cookie", None)],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "record_on_exception": False,
    }
