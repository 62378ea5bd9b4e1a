"""Repository-wide pytest hooks.

Odoo skips a browser tour when Chromium or websocket-client is missing; a
skipped tour would then read as a green run.  Here such a skip is a failure.
"""

import pytest

BROWSER_SKIP_MARKERS = ("websocket-client", "not found", "chrome devtools port")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and call.excinfo is not None:
        reason = str(call.excinfo.value)
        if any(marker in reason for marker in BROWSER_SKIP_MARKERS):
            report.outcome = "failed"
            report.longrepr = f"browser test could not run (not a skip): {reason}"
