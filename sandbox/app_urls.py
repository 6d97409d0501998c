from __future__ import annotations

from django.urls import path

from sandbox import views

urlpatterns = [
    path("", views.sandbox_page, name="index"),
]
