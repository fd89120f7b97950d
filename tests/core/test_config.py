"""Configuration layers and the secret key: generated on first run, never a hard-coded fallback."""
import pytest

from lms import create_app


def test_secret_generated_into_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    app = create_app(generate_secret=True)
    secret = (tmp_path / "secret_key").read_text().strip()
    assert app.config["SECRET_KEY"] == secret and len(secret) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app().config["SECRET_KEY"] == secret  # read back, not regenerated


def test_production_refuses_to_start_without_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="No secret key"):
        create_app()
    assert not (tmp_path / "secret_key").exists()


def test_layers_environment_over_instance_over_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text("PAGE_SIZE = 20\nLOGIN_LOCK_MINUTES = 30\nSECRET_KEY = 'from-instance'\n")
    monkeypatch.setenv("LMS_LOGIN_LOCK_MINUTES", "45")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/lms")
    app = create_app()
    assert app.config["PAGE_SIZE"] == 20
    assert app.config["LOGIN_LOCK_MINUTES"] == 45
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/lms"
    app = create_app({"PAGE_SIZE": 5})
    assert app.config["PAGE_SIZE"] == 5


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_SECRET_KEY", "k")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/lms.sqlite3"


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_server_freezes_its_start_up_objects_out_of_the_collectors_reach(tmp_path, monkeypatch):
    import gc

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("LMS_GC_FREEZE_AT_STARTUP", "true")
    gc.unfreeze()
    try:
        create_app()
        assert gc.get_freeze_count() > 10_000  # modules, mappers, the app: everything built so far
    finally:
        gc.unfreeze()
    monkeypatch.setenv("LMS_GC_FREEZE_AT_STARTUP", "false")
    create_app()
    assert gc.get_freeze_count() == 0
    create_app({"TESTING": True, "GC_FREEZE_AT_STARTUP": True})
    assert gc.get_freeze_count() == 0  # never under TESTING
