"""The server-rendered pages: login flow, redirects, permissions, escaping, static files."""

from __future__ import annotations

import json
import re

import pytest

from app.pages.router import safe_json

XSS = "<script>alert(1)</script>"
PASSWORD = "correct horse 电池 staple"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, next_url: str = "/"):
    form = client.get("/login")
    assert form.status_code == 200
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": next_url,
        },
        follow_redirects=False,
    )


@pytest.mark.parametrize("path", ["/", "/bids/1", "/bids/1/gantt", "/finance"])
def test_pages_redirect_to_login_without_credentials(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_login_sets_an_httponly_session_cookie_and_logout_revokes_it(client, make_user):
    user = make_user("pmo", password=PASSWORD)
    response = login(client, user.username, next_url="/finance")
    assert response.status_code == 303
    assert response.headers["location"] == "/finance"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kampmo_session=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    secret = client.cookies.get("kampmo_session")
    page = client.get("/")
    assert page.status_code == 200 and "Portfolio" in page.text
    assert client.get("/logout", follow_redirects=False).status_code == 405
    forged = client.post("/logout", data={"csrf_token": "x" * 32}, follow_redirects=False)
    assert forged.status_code == 400  # a cross-site form cannot log anyone out
    assert client.get("/", follow_redirects=False).status_code == 200
    csrf = client.cookies.get("kampmo_csrf")
    logout = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert logout.status_code == 303
    client.cookies.set("kampmo_session", secret)  # a stolen copy no longer works
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_rejects_wrong_password_and_missing_csrf(client, make_user):
    user = make_user("pmo", password=PASSWORD)
    assert login(client, user.username, "wrong").status_code == 401
    forged = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": "x" * 32},
        follow_redirects=False,
    )
    assert forged.status_code == 400
    assert "kampmo_session" not in forged.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\t/evil.example", "/\\evil.example", "https://evil.example"]
)
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user("pmo", password=PASSWORD)
    response = login(client, user.username, next_url=target)
    assert response.headers["location"] == "/"


def test_pages_accept_a_bearer_token(client, pmo):
    response = client.get("/", headers=pmo.headers)
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "/static/plotly.min.js" in response.text


def test_script_names_are_text_everywhere(client, pmo, make_bid):
    bid = make_bid(title=XSS)
    for path in ("/", f"/bids/{bid['id']}", f"/bids/{bid['id']}/gantt", "/finance"):
        response = client.get(path, headers=pmo.headers)
        assert response.status_code == 200, (path, response.text[:500])
        assert XSS not in response.text, path
    page = client.get(f"/bids/{bid['id']}", headers=pmo.headers).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_embedded_figure_json_is_inert_and_parses(client, pmo, make_bid):
    bid = make_bid(title="</script><b>x</b>")
    html = client.get("/", headers=pmo.headers).text
    match = re.search(
        r'<script type="application/json" id="figure-data">(.*?)</script>', html, re.S
    )
    assert match
    figure = json.loads(match.group(1))
    links = {p[0] for t in figure["data"] if t["type"] == "bar" for p in t["customdata"]}
    assert f"/bids/{bid['id']}" in links


def test_safe_json_escapes_markup():
    text = safe_json({"name": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><!-- & \u2028"}


def test_bid_pages_follow_read_permissions(client, make_user, make_bid):
    lead = make_user("lead")
    other = make_user("lead")
    bid = make_bid(lead=lead, title="权限测试投标")
    assert client.get(f"/bids/{bid['id']}", headers=lead.headers).status_code == 200
    assert client.get(f"/bids/{bid['id']}", headers=other.headers).status_code == 404
    gantt = client.get(f"/bids/{bid['id']}/gantt", headers=other.headers)
    assert gantt.status_code == 404 and "权限测试投标" not in gantt.text


def test_bid_page_links_downloads_and_gantt_page_has_zoom(client, pmo, make_bid):
    bid = make_bid(title="下载测试")
    page = client.get(f"/bids/{bid['id']}", headers=pmo.headers).text
    assert f"/api/v1/bids/{bid['id']}/export?format=mspdi" in page
    assert f"/api/v1/bids/{bid['id']}/export?format=xlsx" in page
    gantt = client.get(f"/bids/{bid['id']}/gantt", headers=pmo.headers).text
    for level in ("day", "week", "month"):
        assert f'data-zoom="{level}"' in gantt


def test_bid_page_shows_the_critical_path(client, pmo, make_bid, make_task, make_link):
    pytest.importorskip("wbs.cpm", reason="the CPM scheduler (wbs.cpm) has not landed yet")
    bid = make_bid(title="关键路径测试")
    a = make_task(bid["id"], name="关键甲", duration_days=3)
    b = make_task(bid["id"], name="关键乙", duration_days=2)
    make_task(bid["id"], name="非关键丙", duration_days=1)
    make_link(bid["id"], a["id"], b["id"])
    page = client.get(f"/bids/{bid['id']}", headers=pmo.headers).text
    path = page.split('<ol class="chain critical-path">', 1)[1].split("</ol>", 1)[0]
    assert "关键甲" in path and "关键乙" in path and "非关键丙" not in path


def test_static_files(client):
    plotly_js = client.get("/static/plotly.min.js")
    assert plotly_js.status_code == 200
    assert plotly_js.headers["content-type"].startswith("text/javascript")
    assert b"plotly" in plotly_js.content[:2000].lower()
    assert client.get("/static/kampmo.js").status_code == 200
    assert client.get("/static/kampmo.css").status_code == 200
    assert client.get("/static/..%2Fpages%2Frouter.py").status_code == 404
    assert client.get("/static/router.py").status_code == 404
