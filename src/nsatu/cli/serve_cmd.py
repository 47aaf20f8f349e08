"""``nsatu serve``: the API and the web UI."""

from __future__ import annotations

import typer

from nsatu.cli.common import settings


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str | None = typer.Option(None, help="Interface (default NSATU_HOST or 127.0.0.1)."),
        port: int | None = typer.Option(None, help="Port (default NSATU_PORT or 8000)."),
    ) -> None:
        """Serve the API (/api/docs) and the web UI."""
        import os

        import uvicorn

        s = settings()
        host, port = host or s.host, port or s.port
        # The CLI never imports the web entry point: uvicorn builds the app from its factory
        # path, and the app reads the same NSATU_* settings from the environment.
        os.environ["NSATU_DATABASE_URL"] = s.database_url
        typer.echo(f"nsatu is serving at http://{host}:{port}  (API docs: /api/docs)")
        uvicorn.run(
            "nsatu.web.app:create_app", factory=True, host=host, port=port, log_level="info"
        )
