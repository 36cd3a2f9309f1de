"""Screenshots of the watch for the README, taken in Debian's Chromium from a running app.

Start the app with its demo data (``make run``), then, in another shell:

    .venv/bin/python scripts/screenshots.py [--url http://127.0.0.1:8000] [--out docs/screenshots]

It signs in as the demo reviewer and saves the watch, the heatmap sorted by RF10, a
situation over time and a comparison of its two latest assessments, 1366 px wide.
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTH = 1366
SITUATION = "River Province (demo)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--user", default="reviewer")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "r2p-demo-2026"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(
            base_url=args.url, viewport={"width": WIDTH, "height": 900}
        ).new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(args.user)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{args.url}/")

        def shot(name: str) -> None:
            path = args.out / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            print(path)

        shot("watch")
        page.goto("/watch/heatmap/?sort=-RF10")
        shot("heatmap")
        page.get_by_role("link", name=SITUATION, exact=True).first.click()
        page.wait_for_load_state()
        shot("trend")
        page.get_by_role("link", name="Compare two assessments").click()
        page.wait_for_load_state()
        shot("compare")
        browser.close()


if __name__ == "__main__":
    main()
