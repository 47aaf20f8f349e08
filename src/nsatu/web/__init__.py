"""The HTTP entry point: the JSON API under ``/api`` and the server-rendered pages."""
