"""Lesson pages, mounted at /lessons/ under the "lessons" namespace."""

from __future__ import annotations

from django.urls import path

from lessons import views

urlpatterns = [
    path("", views.lesson_index, name="index"),
    path("<slug:slug>/", views.lesson_detail, name="detail"),
]
