"""ASGI entry point: HTTP through Django, websockets through Channels.

Django must be set up before the routing (and so the consumers and models) is imported.
Websockets pass the origin check first, then get the Django session and user from the cookie
(the learner key and the board's staff check both need them). With DEBUG off, start-up stops
with a clear message when `collectstatic` has not run, rather than answer every page with an
error 500.
"""

from __future__ import annotations

import gc
import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
django_asgi_app = get_asgi_application()

from sandbox.checks import require_static_manifest  # noqa: E402

require_static_manifest()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from sandbox.routing import websocket_urlpatterns  # noqa: E402
from sandbox.workers import POOL  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything imported and built so far lives as long as the process: move it out of the cyclic
# collector's generations, so that a collection during a run does not walk Django, the course
# and the engine's caches each time; and collect the youngest generation less often (a 500-pod
# run allocates millions of objects, nearly all freed by reference counting). bench/gcslope.py
# measures both: the engine's cost then grows with pods^1.03-1.06 instead of pods^1.17.
GC_THRESHOLD = (50_000, 20, 100)
gc.collect()
gc.freeze()
gc.set_threshold(*GC_THRESHOLD)

# The evaluation workers start now, beside the first requests (sandbox/workers.py).
if settings.LUNCHBOX_EVAL_PROCESSES:
    POOL.warm(settings.LUNCHBOX_EVAL_PROCESSES)
