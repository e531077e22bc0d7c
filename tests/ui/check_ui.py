"""Drives kin's web UI in headless Chromium (Debian's chromium and chromium-driver, through
selenium) against a running `kin serve`, and prints what it found as JSON for the Rust test
to judge: per page, the console errors; on the lineage page, the nodes and edges drawn
against those the API returns, what a click selects, where a double click leads, and what
the depth control changes.

    python check_ui.py URL TARGET [SCREENSHOT_DIR]
"""

import json
import sys
import time
import urllib.parse
import urllib.request

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

import chromium

base, target = sys.argv[1], sys.argv[2]
shots = sys.argv[3] if len(sys.argv) > 3 else None

driver = chromium.start()
wait = WebDriverWait(driver, 20)
report = {"pages": {}}


def api(path):
    with urllib.request.urlopen(base + path) as response:
        return json.load(response)


def console_errors():
    return chromium.console_errors(driver)


def visit(name, hash_route, ready="ready"):
    driver.get(base + "/#" + hash_route)
    wait.until(lambda d: d.execute_script(f"return document.body.dataset.{ready} === 'true'"))
    text = driver.find_element(By.ID, "main").text
    report["pages"][name] = {"errors": console_errors(), "text": text[:2000]}
    if shots:
        driver.save_screenshot(f"{shots}/ui-{name}.png")
    return text


def graph_state():
    nodes = driver.find_elements(By.CSS_SELECTOR, "svg.graph g.node")
    edges = driver.find_elements(By.CSS_SELECTOR, "svg.graph path.edge")
    return [n.get_attribute("data-id") for n in nodes], len(edges)


try:
    runs = api("/api/v1/runs")
    report["runs_api"] = len(runs)
    visit("runs", "/runs")
    report["runs_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr[data-run]"))

    run = runs[0]
    visit("run", "/runs/" + run["run_id"])

    query = urllib.parse.urlencode({"target": target, "direction": "up"})
    started = time.perf_counter()
    visit("lineage", "/lineage?" + query, ready="graphReady")
    report["graph_seconds"] = time.perf_counter() - started
    expected = api("/api/v1/lineage/up?" + urllib.parse.urlencode({"target": target}))
    folded, _ = graph_state()
    report["folded"] = {
        "drawn": len(folded),
        "groups": [n for n in folded if n.startswith("group:")],
    }
    # Unfolded, the graph is the API's, node for node.
    toggle = driver.find_element(By.ID, "group-foreach")
    if toggle.is_displayed():
        toggle.click()
    drawn, edge_count = graph_state()
    report["graph"] = {
        "api_nodes": sorted(n["id"] for n in expected["nodes"]),
        "api_edges": len(expected["edges"]),
        "drawn_nodes": sorted(drawn),
        "drawn_edges": edge_count,
    }
    # A click selects a node and traces its lineage; the others dim.
    target_node = driver.find_element(By.CSS_SELECTOR, "svg.graph g.node.target")
    ActionChains(driver).click(target_node).perform()
    report["selection"] = {
        "selected": len(driver.find_elements(By.CSS_SELECTOR, "g.node.selected")),
        "upstream": len(driver.find_elements(By.CSS_SELECTOR, "g.node.up")),
        "details": driver.find_element(By.ID, "node-details").text,
    }
    # The depth control asks again, and fewer nodes come back.
    Select(driver.find_element(By.ID, "depth")).select_by_value("1")
    wait.until(lambda d: "depth=1" in d.current_url and d.execute_script("return document.body.dataset.graphReady === 'true'"))
    report["depth_1_nodes"] = len(graph_state()[0])
    report["pages"]["lineage-depth-1"] = {"errors": console_errors()}
    # A double click on a run opens its page.
    run_node = driver.find_element(By.CSS_SELECTOR, "svg.graph g.node.run")
    ActionChains(driver).double_click(run_node).perform()
    wait.until(lambda d: "#/runs/" in d.current_url and d.execute_script("return document.body.dataset.ready === 'true'"))
    report["opened"] = driver.current_url.split("#", 1)[1]
    report["pages"]["opened-run"] = {"errors": console_errors(), "text": driver.find_element(By.ID, "main").text[:500]}

    visit("artifact", "/artifacts/" + expected["nodes"][0]["path"]) if expected["nodes"][0].get("path") else None
    visit("why", "/why")
    visit("models", "/models")
    visit("gates", "/gates")
finally:
    driver.quit()

print(json.dumps(report))
