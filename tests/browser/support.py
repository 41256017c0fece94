"""What the browser tests share: signing in, screenshots, the page-width and accessibility
checks (axe-core, vendored by `make test` into tests/browser/vendor/)."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

PASSWORD = "pw-for-tests-only"
LIST_PATH = "/integrations/"
ON_LIST = re.compile(re.escape(LIST_PATH) + "$")  # the page URL, no query string
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# The widths the issue names: a phone (390 by 844), a laptop, a desktop.
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}

NewPage = Callable[..., Page]


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(ON_LIST)


def screenshot(page: Page, path: Path) -> None:
    # caret="initial": hiding the caret leaves style="" on every input, which htmx's settle
    # step then copies back with setAttribute, and the CSP (rightly) reports that as an error.
    page.screenshot(path=path, caret="initial")


def assert_no_page_overflow(page: Page) -> None:
    """Nothing makes the page itself scroll sideways (a table may scroll in its own box)."""
    page.wait_for_load_state("load")
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth, location.pathname,
                  Array.from(document.querySelectorAll("body *"))
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                    .slice(0, 5).map(e => `${e.tagName}.${e.className}`)]"""
    )
    assert widths[0] <= widths[1], (
        f"{widths[2]} is {widths[0]} px wide in a {widths[1]} px window: {widths[3]}"
    )


def axe_violations(page: Page) -> list[str]:
    """Serious and critical WCAG A/AA violations axe-core finds in the page as it is now. The
    script is added through Playwright (a CDP evaluation, not a <script> element), so the
    page's CSP is not loosened for it."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core (npm) there.")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                resultTypes: ["violations"],
            });
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                          v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
        }"""
    )
    return [f"{page.url}: {found}" for found in results]


def assert_accessible(page: Page) -> None:
    found = axe_violations(page)
    assert not found, "axe-core found:\n" + "\n".join(found)
