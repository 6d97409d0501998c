"""Websocket URL routes."""

from __future__ import annotations

from django.urls import path

from lessons.board import BoardConsumer
from lessons.workshop_board import WorkshopBoardConsumer
from sandbox.consumers import SandboxConsumer

websocket_urlpatterns = [
    path("ws/sandbox/", SandboxConsumer.as_asgi()),
    path("ws/board/", BoardConsumer.as_asgi()),
    path("ws/board/<slug:code>/", WorkshopBoardConsumer.as_asgi()),
]
