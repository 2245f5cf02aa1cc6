"""The web UI: the single-page app built from ``frontend/`` (``npm run build``).

Its hashed assets are served by WhiteNoise from the build folder (``WHITENOISE_ROOT``); every
other path that is not the API answers with ``index.html`` so the app's own routes work on a
reload or a shared link. Without a build the page says how to make one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from llmops.tenancy.access import PUBLIC
from llmops.tenancy.api.access_check import declare_access

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LLMOps platform</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>The web UI is not built yet</h1>
<p>The API is up: see <a href="/api/docs/">/api/docs/</a>.</p>
<p>To build the UI, with Node.js 20 or newer:</p>
<pre>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p><code>bin/start</code> does this by itself when Node.js is installed.</p>
</body></html>
"""


@declare_access({"GET": PUBLIC})
@require_GET
def app_page(request: HttpRequest, route: str = "") -> HttpResponse:
    index = settings.WEB_UI_DIST / "index.html"
    if not index.is_file():
        return HttpResponse(_NOT_BUILT, status=503)
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    # The page names the current hashed assets, so it must not be cached across deploys.
    response["Cache-Control"] = "no-cache"
    return response
