"""HTTP routes: the sandbox page, the lessons app and the admin."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from lessons import workshop_views
from sandbox import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sandbox:index", permanent=False)),
    path("sandbox/", include(("sandbox.app_urls", "sandbox"))),
    path("lessons/", include(("lessons.urls", "lessons"))),
    path("s/<slug:code>", views.share_page, name="share"),
    path("s/<slug:code>/copy", views.share_copy, name="share-copy"),
    path("join", workshop_views.join, name="join"),
    path("join/hand", workshop_views.hand, name="join-hand"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
