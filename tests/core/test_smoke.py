from tests.conftest import html_text


def test_login_and_overview(client, auth, province):
    assert client.get("/").status_code == 302
    r = auth.login("admin")
    assert r.status_code == 302
    r = client.get("/reports/overview")
    assert r.status_code == 200
    assert "Tổng quan" in html_text(r)
