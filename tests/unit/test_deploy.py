"""`make serve REPLICAS=N`: the nginx config made from deploy/nginx.conf.template (sticky sessions by cookie,
websocket upgrade), and nginx's own verdict on it when nginx is installed."""

import pytest

from deploy import serve


def test_the_config_names_every_replica_and_fills_every_placeholder(tmp_path):
    text = serve.render([9001, 9002, 9003], "0.0.0.0:8501", tmp_path)
    assert "${" not in text
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("server 127.")] == [
        f"server 127.0.0.1:{p} max_fails=0;" for p in (9001, 9002, 9003)
    ]
    assert "listen 0.0.0.0:8501;" in text and f"pid {tmp_path}/nginx.pid;" in text


def test_sessions_stick_to_one_replica_and_websockets_are_upgraded(tmp_path):
    text = serve.render([9001, 9002], "127.0.0.1:8501", tmp_path)
    assert "hash $al_replica consistent;" in text and "add_header Set-Cookie $al_set_cookie;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    assert "proxy_set_header Connection $connection_upgrade;" in text
    assert "proxy_http_version 1.1;" in text


def test_nginx_accepts_the_config(tmp_path):
    if serve.nginx_binary() is None:
        pytest.skip("nginx is not installed (scripts/ensure_nginx.sh installs Debian's package when allowed)")
    config = serve.write_config([9001, 9002], "127.0.0.1:18501", tmp_path)
    checked = serve.check_config(config)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
