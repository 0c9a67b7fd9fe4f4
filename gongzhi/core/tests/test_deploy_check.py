"""The server profile's settings pass Django's deployment checks with a production environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
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
        GONGZHI_ALLOWED_HOSTS="gongzhi.example.gov.cn",
        GONGZHI_CSRF_TRUSTED_ORIGINS="https://gongzhi.example.gov.cn",
        GONGZHI_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
