"""The server profile's settings pass Django's deployment checks with a production environment,
and refuse (errors, not warnings) the public demo keys and the example file's placeholders."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from gongzhi.core import checks as core_checks
from gongzhi.registry import checks as registry_checks
from gongzhi.registry import crypto

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path, **overrides) -> dict:
    # The browser tests allow the ORM beside Playwright's event loop; a deployment never does.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GONGZHI_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="gongzhi.settings",
        GONGZHI_DEBUG="0",
        GONGZHI_SECRET_KEY=secrets.token_urlsafe(50),
        GONGZHI_FIELD_KEYS="k1:sm4:" + base64.b64encode(secrets.token_bytes(16)).decode(),
        GONGZHI_BLIND_INDEX_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        GONGZHI_ALLOWED_HOSTS="gongzhi.example.gov.cn",
        GONGZHI_CSRF_TRUSTED_ORIGINS="https://gongzhi.example.gov.cn",
        GONGZHI_VAR_DIR=str(tmp_path),
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def check_deploy(env: dict, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "check", "--deploy", *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(production_env(tmp_path), "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_fails_on_the_demo_keys(tmp_path):
    env = production_env(
        tmp_path, GONGZHI_SECRET_KEY=None, GONGZHI_FIELD_KEYS=None, GONGZHI_BLIND_INDEX_KEY=None
    )
    result = check_deploy(env)  # the default fail level: errors only
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ERRORS" in output
    for code in ("gongzhi.E001", "gongzhi.E002", "gongzhi.E004"):
        assert code in output


def test_check_deploy_fails_on_the_example_files_placeholders(tmp_path):
    example = {}
    for line in (ROOT / "deploy" / "gongzhi.env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            example[name] = value
    keys = ("GONGZHI_SECRET_KEY", "GONGZHI_FIELD_KEYS", "GONGZHI_BLIND_INDEX_KEY")
    assert set(keys) <= set(example)
    result = check_deploy(production_env(tmp_path, **{k: example[k] for k in keys}))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for code in ("gongzhi.E001", "gongzhi.E002", "gongzhi.E004"):
        assert code in output


def test_an_explicit_demo_server_may_use_the_demo_keys(tmp_path):
    env = production_env(
        tmp_path,
        GONGZHI_DEMO_MODE="1",
        GONGZHI_SECRET_KEY=None,
        GONGZHI_FIELD_KEYS=None,
        GONGZHI_BLIND_INDEX_KEY=None,
    )
    result = check_deploy(env)
    assert "gongzhi.E00" not in result.stdout + result.stderr


@pytest.fixture
def production(settings):
    settings.GONGZHI_DEMO_MODE = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.GONGZHI_FIELD_KEYS = "k1:sm4:" + base64.b64encode(secrets.token_bytes(16)).decode()
    settings.GONGZHI_BLIND_INDEX_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
    return settings


def ids(messages) -> set[str]:
    assert all(m.level >= 40 for m in messages)  # errors, never mere warnings
    return {m.id for m in messages}


def test_checks_pass_with_real_keys(production):
    assert core_checks.check_secret_key() == []
    assert registry_checks.check_field_keys() == []


def test_demo_secret_key_is_an_error(production):
    production.SECRET_KEY = production.DEMO_SECRET_KEY
    assert ids(core_checks.check_secret_key()) == {"gongzhi.E001"}
    production.SECRET_KEY = "change-me-to-50-random-characters-0123456789-abcdefghij"
    assert ids(core_checks.check_secret_key()) == {"gongzhi.E001"}


def test_demo_field_and_index_keys_are_errors(production):
    production.GONGZHI_FIELD_KEYS = crypto.DEMO_FIELD_KEYS
    production.GONGZHI_BLIND_INDEX_KEY = crypto.DEMO_INDEX_KEY
    assert ids(registry_checks.check_field_keys()) == {"gongzhi.E002", "gongzhi.E004"}


def test_rotating_away_from_the_demo_key_is_allowed(production):
    production.GONGZHI_FIELD_KEYS = "k2:sm4:" + base64.b64encode(secrets.token_bytes(16)).decode()
    production.GONGZHI_FIELD_KEYS += "," + crypto.DEMO_FIELD_KEYS  # old demo blobs still re-sealed
    assert registry_checks.check_field_keys() == []
    production.GONGZHI_FIELD_KEYS = crypto.DEMO_FIELD_KEYS.replace("demo1", "k9")  # renamed, same key
    assert ids(registry_checks.check_field_keys()) == {"gongzhi.E002"}


def test_broken_keys_are_errors(production):
    production.GONGZHI_FIELD_KEYS = "k1:sm4:AAAA"
    production.GONGZHI_BLIND_INDEX_KEY = base64.b64encode(b"short").decode()
    assert ids(registry_checks.check_field_keys()) == {"gongzhi.E003", "gongzhi.E005"}


def test_demo_mode_allows_the_demo_keys(settings):
    settings.GONGZHI_DEMO_MODE = True
    settings.SECRET_KEY = settings.DEMO_SECRET_KEY
    assert core_checks.check_secret_key() == [] and registry_checks.check_field_keys() == []
