"""Check the built documentation site in a real browser: ``make docs-check`` (after ``make docs``).

Serves ``site/`` on 127.0.0.1 (a free port), opens it in headless Chromium through Playwright, and checks
what a reader meets:

- the home page renders with its navigation (every guide and the API reference linked), and a click on
  a guide's link opens that guide;
- the search box finds the layers (the search index loads and answers in the page);
- the API reference shows classes with their signatures and docstrings, rendered by mkdocstrings.

It saves screenshots of the home page and the forecasting guide under ``build/docs-check/`` (ignored by
git) and prints one line per check; any failed check exits non-zero. Chromium is Debian's
(``/usr/bin/chromium``, or ``$CHROMIUM``); Playwright drives it without downloading a browser.

    python docs/check_site.py            # or: make docs-check
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
SHOTS = ROOT / "build" / "docs-check"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: as root, on a machine with no outside network: no sandbox, no GPU, no calls home
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
GUIDES = ["forecasting", "text-generation", "classification", "translation", "transcription"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port for the duration; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def check(base: str, shots: Path) -> list[tuple[str, bool, str]]:
    """Run every check against the site at ``base``; returns (check, passed, what was seen)."""
    from playwright.sync_api import sync_playwright

    results: list[tuple[str, bool, str]] = []
    errors: list[str] = []
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{base}/index.html")
        page.wait_for_selector("h1")
        title = page.inner_text("h1")
        results.append(("home page renders", title.strip().rstrip("¶") == "rnnkit", f"h1 {title!r}"))
        page.screenshot(path=str(shots / "home.png"), full_page=False)

        links = page.eval_on_selector_all("nav.md-nav--primary a.md-nav__link[href]", "a => a.map(x => x.href)")
        missing = [g for g in [*(f"guides/{g}.html" for g in GUIDES), "reference/layers.html"]
                   if not any(link.endswith(g) for link in links)]  # fmt: skip
        results.append(("navigation links every guide and the API reference", not missing,
                        f"{len(links)} links" + (f"; missing {missing}" if missing else "")))  # fmt: skip

        page.locator("nav.md-nav--primary a.md-nav__link[href$='guides/forecasting.html']").first.click(force=True)
        page.wait_for_url("**/guides/forecasting.html")
        heading = page.inner_text("h1")
        results.append(("a click on a guide opens it", "Forecasting" in heading, f"h1 {heading!r}"))
        page.screenshot(path=str(shots / "guide-forecasting.png"), full_page=False)

        page.goto(f"{base}/index.html")
        page.fill("input.md-search__input", "MinGRU")
        try:
            page.wait_for_selector(".md-search-result__item", timeout=15_000)
            found = page.locator(".md-search-result__item").count()
        except Exception:  # noqa: BLE001 (a timeout is the failed check, reported below)
            found = 0
        results.append(("search finds 'MinGRU'", found > 0, f"{found} results"))

        page.goto(f"{base}/reference/layers.html")
        page.wait_for_selector(".doc-class")
        classes = page.locator(".doc-class").count()
        lstm = page.locator("[id='rnnkit.layers.LSTM']").count()
        signature = page.locator(".doc-signature").count()
        results.append(("API reference renders classes and signatures", classes >= 5 and lstm == 1 and signature > 0,
                        f"{classes} classes, LSTM {'present' if lstm else 'absent'}, {signature} signatures"))  # fmt: skip
        browser.close()
    results.append(("no JavaScript errors", not errors, "; ".join(errors[:3]) or "none"))
    return results


def main() -> int:
    if not (SITE / "index.html").is_file():
        print(f"docs-check: no site at {SITE}: run `make docs` first", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).is_file():
        print(f"docs-check: no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)", file=sys.stderr)
        return 2
    with serve(SITE) as base:
        results = check(base, SHOTS)
    for name, passed, seen in results:
        print(f"{'ok  ' if passed else 'FAIL'} {name}: {seen}")
    print(f"screenshots: {SHOTS.relative_to(ROOT)}/home.png, guide-forecasting.png")
    return 0 if all(passed for _, passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
