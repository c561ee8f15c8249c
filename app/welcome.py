"""What ``make run`` prints once the server is up: where to go and how to sign in.

``python -m app.welcome DEMO_OUTPUT URL`` waits (up to a minute) until ``URL/api/v1/health``
answers, then prints the URL, the demo users with their password and the API tokens from the
last line of ``kampmo demo``'s output (``{"tokens": {...}}``, kept as it is).
Only the standard library: it runs beside the server, before anything heavy is loaded.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.demo.data import USERS

DEMO_PASSWORD = "kampmo-demo"  # noqa: S105 -- the documented demo login (app.demo.loader)
ROLES = {
    "pmo": "PMO administrator 管理员: everything",
    "finance": "finance 财务: every bid's money",
    "lead": "project lead 投标负责人: the bids they lead",
    "member": "team member 团队成员: progress and costs on their own tasks",
}


def tokens_of(demo_output: str) -> dict[str, str]:
    """The tokens on the last line of ``kampmo demo``'s output."""
    lines = [line for line in demo_output.splitlines() if line.strip()]
    if not lines:
        return {}
    tokens = json.loads(lines[-1]).get("tokens", {})
    return {str(name): str(token) for name, token in tokens.items()}


def welcome_text(url: str, tokens: dict[str, str]) -> str:
    base = url.rstrip("/")
    lines = [
        "",
        f"kampmo is up: {base}/   (API: {base}/api/v1, docs: {base}/docs)",
        f"Sign in at {base}/login with the password {DEMO_PASSWORD} as:",
    ]
    lines += [f"  {user.username:<8} {ROLES.get(user.role, user.role)}" for user in USERS]
    if tokens:
        lines.append("API tokens (Authorization: Bearer <token>):")
        lines += [f"  {name:<8} {token}" for name, token in tokens.items()]
    lines.append(
        f'  e.g. curl -H "Authorization: Bearer {tokens.get("pmo", "…")}" {base}/api/v1/bids'
    )
    return "\n".join(lines) + "\n"


def wait_until_up(url: str, timeout_seconds: float = 60.0) -> bool:
    health = url.rstrip("/") + "/api/v1/health"
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=2) as response:  # noqa: S310 (local)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    output_path, url = args[0], args[1]
    tokens = tokens_of(Path(output_path).read_text(encoding="utf-8"))
    if not wait_until_up(url):
        print(f"kampmo did not answer at {url} within a minute", file=sys.stderr)
        return 1
    print(welcome_text(url, tokens), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
