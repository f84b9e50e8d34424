"""Top-level URLs. Each app owns its own URL module; this file only mounts them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles.views import serve as staticfiles_serve
from django.http import HttpRequest, HttpResponseBase
from django.urls import include, path, re_path


@login_not_required
def serve_static(request: HttpRequest, path: str) -> HttpResponseBase:
    """Serve bundled CSS/JS so the app works offline with nothing but waitress.

    The staticfiles finders only look inside the project's static folders (with path
    traversal refused), so this is safe to leave on outside DEBUG.
    """
    return staticfiles_serve(request, path, insecure=True)


urlpatterns = [
    path("", include("therapycheck.web.pages.urls")),
    path("", include("therapycheck.web.accounts.urls")),
    path("", include("therapycheck.web.tracking.urls")),
    path("checkup/", include("therapycheck.web.checkups.urls")),
    path("report/", include("therapycheck.web.reports.urls")),
    path("data/", include("therapycheck.web.exchange.urls")),
    path("looking-for/", include("therapycheck.web.directory.looking_for_urls")),
    re_path(r"^static/(?P<path>.+)$", serve_static, name="static"),
]

handler404 = "therapycheck.web.pages.views.not_found"
handler500 = "therapycheck.web.pages.views.server_error"
