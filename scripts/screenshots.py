"""Screenshots of a running demo for the README: python scripts/screenshots.py [BASE_URL].

Needs Chromium (Debian's /usr/bin/chromium) and the demo data (make demo)."""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
PASSWORD = "Gongzhi-demo-2026"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-background-networking"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page.goto(f"{BASE}/accounts/login/")
        page.fill("input[name=username]", "dispatcher")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{BASE}/cases/**")
        page.goto(f"{BASE}/cases/?view=all")
        page.screenshot(path=str(OUT / "queue.png"))
        page.click(".case-row a")
        page.screenshot(path=str(OUT / "case.png"), full_page=True)
        page.goto(f"{BASE}/cases/dashboard/")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
        page.goto(f"{BASE}/map/")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(OUT / "map.png"))
        page.goto(f"{BASE}/text/hot/")
        page.screenshot(path=str(OUT / "hot.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.goto(f"{BASE}/public/report/")
        phone.wait_for_timeout(800)
        phone.screenshot(path=str(OUT / "public-report.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
