"""Contract fuzzing of the live service with schemathesis (run by scripts/test, not by pytest).

Starts ``praktijkbank serve`` on loopback with the seed data, waits for the index, then runs ``st run`` against
its OpenAPI twice: anonymous and with an admin token. Checks: no 5xx, status codes, content types and bodies as
the schema says, and (a hook of ours) every 4xx is problem+json. Bounded: ``--max-examples`` per operation.

    .venv/bin/python -m tests.ops.contract [--max-examples 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.e2e.service import Service, admin_token

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
    "client_errors_are_problem_json"  # ours, tests/ops/contract_hooks.py: named here or schemathesis skips it
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pb-contract-"))
    database_url = f"sqlite:///{folder / 'praktijkbank.sqlite3'}"
    token = admin_token(database_url)
    service = Service(
        folder / "data",
        database_url,
        PRAKTIJKBANK_SEED_ON_FIRST_START="true",
        PRAKTIJKBANK_WRITES_PER_MINUTE="1000000",
        PRAKTIJKBANK_FAILED_SIGN_INS_PER_15_MINUTES="1000000",
    )
    service.start(timeout=600)
    failed = 0
    try:
        service.wait_until_indexed(timeout=900)
        for who, headers in (("anonymous", []), ("admin token", ["-H", f"Authorization: Bearer {token}"])):
            print(f"== schemathesis, {who}", flush=True)
            command = [
                str(Path(sys.executable).with_name("st")), "run", f"{service.url}/api/v1/openapi.json",
                "--checks", CHECKS, "--max-examples", str(args.max_examples), "--seed", str(args.seed),
                "--workers", "2", "--request-timeout", "60", "--generation-database", "none",
                "--suppress-health-check", "all", "--no-color", *headers,
            ]  # fmt: skip
            env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.ops.contract_hooks"}
            failed |= subprocess.run(command, env=env, check=False).returncode
    finally:
        service.stop()
    print(f"service log: {service.log}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
