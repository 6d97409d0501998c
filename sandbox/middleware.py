"""Security headers for Lunchbox's own pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Everything the pages use is served from here: our ES modules, Mermaid's chunks, the websocket.
# Mermaid's SVG carries inline styles, hence style-src 'unsafe-inline'; no inline script is
# allowed, so injected markup cannot run code.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])


class ContentSecurityPolicyMiddleware:
    """Adds the policy to HTML pages outside the admin (whose templates Django owns)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (not request.path.startswith("/admin/")
                and response.get("Content-Type", "").startswith("text/html")):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
