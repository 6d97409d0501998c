"""Lesson pages, mounted at /lessons/ under the "lessons" namespace."""

from __future__ import annotations

from django.urls import path

from lessons import question_views, views

urlpatterns = [
    path("", views.lesson_index, name="index"),
    # Before the lesson pattern, which would otherwise take "board" for a lesson slug.
    path("board/", views.board, name="board"),
    path("<slug:slug>/", views.lesson_detail, name="detail"),
    path("<slug:slug>/questions/<slug:kind>/", question_views.answer, name="answer"),
]
