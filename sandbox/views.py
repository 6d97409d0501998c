"""Sandbox pages: render the editor; the evaluation itself happens over the websocket."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lessons.models import Scenario

STARTER_MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      imagePullPolicy: IfNotPresent
"""


def sandbox_page(request: HttpRequest) -> HttpResponse:
    """The sandbox: a manifest editor, a scenario picker and the live decision flow."""
    scenarios = list(
        Scenario.objects.order_by("order", "title").values("slug", "title", "description")
    )
    selected = request.GET.get("scenario") or (scenarios[0]["slug"] if scenarios else "")
    return render(
        request,
        "sandbox/sandbox.html",
        {
            "scenarios": scenarios,
            "selected_scenario": selected,
            "starter_manifest": STARTER_MANIFEST,
        },
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the host: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
