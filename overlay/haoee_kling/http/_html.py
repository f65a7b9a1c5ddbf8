"""The visible text of an HTML error page (an nginx or Cloudflare page in place of JSON).

A module of its own so that `html.parser` loads only when such a page arrives, not with every
client (`http/_translate` imports it at that moment).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

__all__ = ["page_text"]


class _TextOf(HTMLParser):
    """Collects the visible text of an HTML page (an nginx or Cloudflare error page)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style") and self._hidden > 0

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The page's text outside `<script>` and `<style>`, pieces joined by one space."""
    parser = _TextOf()
    parser.feed(html)
    return " ".join(parser.parts)
