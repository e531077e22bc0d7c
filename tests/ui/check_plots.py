"""Opens a page written by `kin plots show`/`diff` in headless Chromium (Debian's chromium and
chromium-driver, through selenium) from the file system, with the network switched off, and
prints as JSON what it found for the Rust test to judge: console errors, how many charts the
page holds, how many of them Vega drew, how many images it shows.

    python check_plots.py PAGE
"""

import json
import pathlib
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import chromium

page = pathlib.Path(sys.argv[1]).resolve()

driver = chromium.start()
try:
    # Offline: a page that needed the network would fail to draw.
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0,
                                  upload_throughput=0)
    driver.get(page.as_uri())

    def settled(d):
        charts = d.find_elements(By.CLASS_NAME, "kin-plot")
        return all(
            c.find_elements(By.TAG_NAME, "canvas") or c.find_elements(By.TAG_NAME, "svg")
            or "kin-error" in c.get_attribute("class")
            for c in charts
        )

    WebDriverWait(driver, 30).until(settled)
    charts = driver.find_elements(By.CLASS_NAME, "kin-plot")
    drawn = [c for c in charts if c.find_elements(By.TAG_NAME, "canvas")
             or c.find_elements(By.TAG_NAME, "svg")]
    errors = chromium.console_errors(driver)
    # Images here are made-up bytes; failing to decode them is not the page's fault.
    errors = [m for m in errors if "Failed to load resource" not in m]
    errors += [c.text for c in charts if "kin-error" in c.get_attribute("class")]
    report = {
        "errors": errors,
        "charts": len(charts),
        "drawn": len(drawn),
        "images": len(driver.find_elements(By.CSS_SELECTOR, ".kin-images img")),
    }
finally:
    driver.quit()
print(json.dumps(report))
