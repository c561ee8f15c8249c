"""``make run``'s front door: once the server answers, the URL, users, password and tokens."""

import http.server
import json
import threading
from pathlib import Path

from app.demo.data import USERS
from app.demo.loader import DEMO_PASSWORD
from app.welcome import main, tokens_of, welcome_text

REPO = Path(__file__).resolve().parents[2]


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/v1/health" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_make_run_keeps_the_demo_output_and_prints_the_front_door():
    run = REPO.joinpath("Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "demo > /dev/null" not in run
    assert "kampmo demo > $(VENV)/demo-output.txt" in run and "app.welcome" in run


def test_welcome_prints_url_users_password_and_tokens(tmp_path, capsys):
    tokens = {user.username: f"kmp_token_{user.username}" for user in USERS}
    output = tmp_path / "demo-output.txt"
    output.write_text("loading…\n" + json.dumps({"tokens": tokens}) + "\n")
    assert tokens_of(output.read_text()) == tokens
    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert main([str(output), url]) == 0
    finally:
        server.shutdown()
    printed = capsys.readouterr().out
    assert f"{url}/login" in printed and DEMO_PASSWORD in printed
    for user in USERS:
        assert user.username in printed and tokens[user.username] in printed
    assert printed == welcome_text(url, tokens) + "\n"
