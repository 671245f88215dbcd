"""Build the documentation site and look at it in a real browser (a step of .ci/run).

1. ``sphinx-build -W`` (warnings are errors), which also runs every gallery example;
2. every image an HTML page refers to exists in the build;
3. headless Chromium opens each top page and takes a screenshot; a page passes when the
   screenshot is not blank (at least 2 % of its pixels differ from the background colour) and,
   for the pages that show pictures (the gallery), when its pictures show: a second screenshot
   with images disabled must differ from the first in at least 1 % of its pixels.

Without a Chromium binary step 3 is skipped with the reason, unless ``FASTRBM_REQUIRE_BROWSER=1``
(CI), which makes it a failure. Usage: ``python tools/check_site.py [OUT_DIR]``.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TOP_PAGES = ["index", "getting_started", "user_guide", "gallery/index", "api", "benchmarks", "changelog"]
PICTURE_PAGES = {"gallery/index": 0.01}  # page -> least fraction of pixels its pictures change
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def build(out):
    """sphinx-build -W into ``out``; returns the HTML folder."""
    html = out / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                    str(ROOT / "docs"), str(html)], check=True)
    return html


def missing_images(html):
    """Images referred to by the built pages that are not in the build."""
    missing = []
    for page in html.rglob("*.html"):
        for src in re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8")):
            if not src.startswith(("http:", "https:", "data:")) and not (page.parent / src.split("#")[0]).is_file():
                missing.append(f"{page.relative_to(html)}: {src}")
    return missing


def screenshot(browser, page, path, images=True):
    """The page as the browser shows it, (1400, 1280, 3) floats in [0, 1]."""
    import matplotlib.image

    flags = [] if images else ["--blink-settings=imagesEnabled=false"]
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *flags,
                    "--window-size=1280,1400", f"--screenshot={path}", page.as_uri()],
                   check=True, timeout=120, capture_output=True)
    return matplotlib.image.imread(path)[..., :3]


def content_fraction(rgb):
    """Fraction of the pixels unlike the most common colour (the background)."""
    colours, counts = np.unique(rgb.reshape(-1, 3), axis=0, return_counts=True)
    return float(np.any(np.abs(rgb - colours[np.argmax(counts)]) > 0.02, axis=2).mean())


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="fastrbm-site-"))
    html = build(out)
    problems = [f"missing image {m}" for m in missing_images(html)]
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        if os.environ.get("FASTRBM_REQUIRE_BROWSER") == "1":
            problems.append("no Chromium found (FASTRBM_REQUIRE_BROWSER=1)")
        else:
            print("check_site: browser check skipped: no Chromium on PATH (apt-get install chromium)")
    else:
        for name in TOP_PAGES:
            page, png = html / f"{name}.html", out / f"{name.replace('/', '_')}.png"
            shown = screenshot(browser, page, png)
            content = content_fraction(shown)
            report = f"check_site: {name}: {100 * content:.1f} % content"
            if content < 0.02:
                problems.append(f"{name}: the screenshot is blank ({100 * content:.2f} % content)")
            if name in PICTURE_PAGES:
                bare = screenshot(browser, page, out / f"{name.replace('/', '_')}-no-images.png", images=False)
                pictures = float(np.any(np.abs(shown - bare) > 0.02, axis=2).mean())
                report += f", {100 * pictures:.1f} % of it pictures"
                if pictures < PICTURE_PAGES[name]:
                    problems.append(f"{name}: its pictures do not show ({100 * pictures:.2f} % of the page)")
            print(report, f"({png})")
    for problem in problems:
        print("check_site: FAILED:", problem)
    print(f"check_site: {len(TOP_PAGES)} pages, {len(problems)} problems; site in {html}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
