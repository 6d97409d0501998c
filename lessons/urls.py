"""Lesson pages, mounted at /lessons/ under the "lessons" namespace."""

from __future__ import annotations

from django.urls import path

from lessons import question_views, views, workshop_views

urlpatterns = [
    path("", views.lesson_index, name="index"),
    # Before the lesson pattern, which would otherwise take "board" for a lesson slug.
    path("board/", views.board, name="board"),
    path("board/w/", workshop_views.workshops, name="workshops"),
    path("board/w/<slug:code>/", workshop_views.workshop_board, name="workshop-board"),
    path("board/w/<slug:code>/results.csv", workshop_views.results_csv, name="workshop-csv"),
    path("board/w/<slug:code>/learner/<slug:member_id>/", workshop_views.learner_state,
         name="learner-state"),
    path("board/w/<slug:code>/learner/<slug:member_id>/reset/", workshop_views.reset_cluster,
         name="learner-reset"),
    path("<slug:slug>/", views.lesson_detail, name="detail"),
    path("<slug:slug>/questions/<slug:kind>/", question_views.answer, name="answer"),
]
