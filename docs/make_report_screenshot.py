"""Regenerate docs/report.png, the README's picture of the class report.

docs/report.png is a GENERATED file: do not edit it, run this script instead::

    .venv/bin/python docs/make_report_screenshot.py          # about half a minute

It grades the known class of tests/course/test_report.py (eight students on chapter 01,
with the hand-written wrong answers of tests/mutants/01-cost-functions.yml, one of them late)
for real into a temporary term, builds its class report with
:func:`nnkit.course.report.build_report`, and photographs the page in headless Chromium
(``chromium --headless --screenshot``, window 1200 x 1800).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "report.png"


def main() -> int:
    sys.path.insert(0, str(REPO / "tests" / "course"))
    from test_report import NOW, known_class  # the test's class: the picture shows what the test checks

    from nnkit.course.report import build_report

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        print("no Chromium found (chromium, chromium-browser or google-chrome on PATH)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="nnkit-report-") as tmp:
        course, term = known_class(Path(tmp), log=print)
        page = build_report(course, term, now=NOW)
        shot = Path(tmp) / "report.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={Path(tmp) / 'profile'}", f"--screenshot={shot}",
                        "--window-size=1200,1800", page.as_uri()],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, OUT)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
