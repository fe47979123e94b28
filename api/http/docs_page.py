"""/api/docs: Swagger UI from the installed swagger-ui-bundle package, no CDN, no inline script.

The page passes the same Content-Security-Policy as the web UI (script-src 'self'), locally and behind
CloudFront: its one script of our own is a file, and the assets are pinned by the lock file's hashes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # the package ships no py.typed

ASSETS = "/api/docs/assets"
# a file, not an inline script: the page's CSP allows scripts from 'self' only
INIT_JS = 'window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true});\n'

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Movie booking API - docs</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve the docs page, its init script and the Swagger UI assets."""

    @app.get("/api/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/api/docs/init.js", include_in_schema=False)
    async def init_js() -> Response:
        return Response(INIT_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=300"})

    app.mount(ASSETS, StaticFiles(directory=Path(str(swagger_ui_path))), name="docs-assets")
