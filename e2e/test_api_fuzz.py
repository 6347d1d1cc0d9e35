"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis).

Whatever a client sends, the node answers with a documented status, content type and body shape,
and never with a server error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from medledger_client import Node, run_cli


def test_api_answers_generated_requests_without_server_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("init", "--data", str(data)).returncode == 0
    node = Node(data)
    node.start()
    try:
        # Installed next to the interpreter running the tests (the e2e venv).
        schemathesis = Path(sys.executable).parent / "schemathesis"
        command = str(schemathesis) if schemathesis.exists() else "schemathesis"
        result = subprocess.run(
            [command, "run", f"{node.url}/openapi.json", "--max-examples", "150", "--seed", "20261121",
             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"],
            capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    finally:
        node.stop()
