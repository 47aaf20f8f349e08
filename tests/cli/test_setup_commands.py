"""The set-up commands end to end: migrate, load the demo, serve and answer /api/health."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from nsatu.cli import app

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_db_upgrade_and_current_honour_the_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    before = runner.invoke(app, ["--database-url", url, "db", "current", "--json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.output)["revision"] is None
    result = runner.invoke(app, ["db", "upgrade", "--json"], env={"NSATU_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["revision"] is not None
    assert (tmp_path / "cli.db").exists()


def test_serve_answers_health_on_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    assert runner.invoke(app, ["--database-url", url, "db", "upgrade"]).exit_code == 0
    port = _free_port()
    env = os.environ | {"NSATU_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "nsatu", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    assert r.status == 200
                    assert json.loads(r.read())["status"] == "ok"
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not answer within 30 s"
                time.sleep(0.2)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}" in out
