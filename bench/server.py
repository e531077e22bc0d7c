#!/usr/bin/env python3
"""`kin serve` benchmark: lineage queries under concurrent clients, OpenLineage ingest, and the
lineage graph page in Chromium. The load generator runs on loopback on the same machine.

    python3 bench/server.py [--runs 300000] [--clients 50] [--seconds 20] [--interval 0.1] [--events 20000] [--write]

1. A synthetic store (crates/kin-store/examples/synth_lineage.rs, as bench/lineage.py makes
   it) is served by `kin serve`; CLIENTS clients (threads of the Rust load generator
   crates/kin-server/examples/lineage_load.rs, each on its own keep-alive connection) ask
   `GET /api/v1/lineage/{up,down}?target=…&depth=10` over sampled targets for SECONDS, back to
   back (a closed loop: a client asks again as soon as it has its answer), then again with
   each client asking on a schedule (one query per INTERVAL). Latency is per request as the
   client sees it (from when it was due, on a schedule).
2. EVENTS OpenLineage RunEvents (half START, half COMPLETE, each run reading two datasets and
   writing one) are posted by 8 keep-alive clients; the rate counts every event accepted (201).
3. With Chromium, selenium and a store whose lineage reaches about 200 nodes, the lineage page
   is loaded and timed until the graph is drawn and interactive (the page's graphReady mark).

With --write the table goes to docs/benchmarks.md (section "Server").
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lineage import ROOT, build_kin_and_generator, percentile  # noqa: E402
from run import machine, write_section  # noqa: E402

TOKEN = "bench-token"


def serve(kin, repo):
    """Starts `kin serve` on a free loopback port; the process and its host:port."""
    env = dict(os.environ, KIN_SERVE_TOKEN=TOKEN)
    env.pop("KIN_STORE_URL", None)
    process = subprocess.Popen([kin, "serve", "--addr", "127.0.0.1:0"], cwd=repo, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    addr = line.split("http://", 1)[1].split()[0]
    return process, addr


def make_repo(generator, runs, pipelines, stages):
    repo = tempfile.mkdtemp(prefix="kin-server-bench-")
    os.makedirs(os.path.join(repo, ".dvc"))
    os.makedirs(os.path.join(repo, ".kin"))
    db = os.path.join(repo, ".kin", "lineage.db")
    out = subprocess.run([generator, db, str(runs), str(pipelines), str(stages)], check=True,
                         capture_output=True, text=True).stdout
    return repo, json.loads(out)


def query_load(loader, addr, targets, clients, seconds, interval=None):
    """Latencies (ms) of lineage queries from `clients` clients: closed loop (each asks again
    as soon as answered), or with `interval` each asks on a fixed schedule, one query per
    `interval` seconds, and latency counts from when the query was due (a late query's wait
    for an earlier one included). The clients are threads of the Rust load generator
    (crates/kin-server/examples/lineage_load.rs), which costs the shared cores little."""
    paths = []
    for direction, names in targets:
        for name in names:
            query = urllib.parse.urlencode({"target": name, "depth": 10})
            paths.append(f"/api/v1/lineage/{direction}?{query}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        cmd = [loader, addr, listing.name, str(clients), str(seconds)]
        if interval:
            cmd.append(str(interval))
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    finally:
        os.unlink(listing.name)
    if out["errors"]:
        sys.exit(f"{out['errors']} queries failed")
    return out["latencies_ms"]


def ingest_load(addr, events, senders=8):
    """Events per second accepted from `senders` keep-alive clients."""
    host, port = addr.split(":")
    bodies = []
    for i in range(events // 2):
        run_id = str(uuid.uuid4())
        base = {
            "eventTime": "2026-12-01T10:00:00Z",
            "producer": "https://example.invalid/kin-bench",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": run_id},
            "job": {"namespace": "bench", "name": f"job-{i % 100}"},
            "inputs": [{"namespace": "s3://lake", "name": f"raw/{i % 1000}.parquet"},
                       {"namespace": "s3://lake", "name": "reference/customers.parquet"}],
        }
        bodies.append(json.dumps(dict(base, eventType="START")).encode())
        done = dict(base, eventType="COMPLETE", eventTime="2026-12-01T10:05:00Z",
                    outputs=[{"namespace": "s3://lake", "name": f"clean/{i}.parquet"}])
        bodies.append(json.dumps(done).encode())
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    failures = []

    def sender(n):
        connection = http.client.HTTPConnection(host, int(port))
        # Each run's START before its COMPLETE: a sender owns whole runs.
        for k in range(n * 2, len(bodies), senders * 2):
            for body in bodies[k:k + 2]:
                connection.request("POST", "/api/v1/lineage", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 201:
                    failures.append(response.status)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if failures:
        sys.exit(f"{len(failures)} events refused: {sorted(set(failures))}")
    return len(bodies) / seconds


def graph_page(kin, generator):
    """Seconds from navigation to the 200-node graph drawn and interactive, in Chromium;
    None without Chromium and selenium."""
    python = os.environ.get("KIN_DVC_PYTHON", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "target", "dvc-venv", "bin", "python"))
    have = os.path.isfile("/usr/bin/chromium") and os.path.isfile("/usr/bin/chromedriver") and \
        subprocess.run([python, "-c", "import selenium"], capture_output=True).returncode == 0
    if not have:
        print("skipping the graph page: no chromium/chromedriver or selenium", file=sys.stderr)
        return None
    # One pipeline of 67 chained stages run once: the last model's lineage (each stage's run,
    # model and code, and the raw data) is 202 nodes.
    repo, gen = make_repo(generator, 67, 1, 67)
    process, addr = serve(kin, repo)
    try:
        script = """
import sys, time, json
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
options = webdriver.ChromeOptions()
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"]:
    options.add_argument(flag)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
samples = []
nodes = 0
try:
    for attempt in range(6):
        driver.get(sys.argv[1] + "/#/lineage?target=" + sys.argv[2] + "&direction=up&n=" + str(attempt))
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.graphReady === 'true'"))
        samples.append(driver.execute_script("return performance.now()") / 1000)
        nodes = len(driver.find_elements(By.CSS_SELECTOR, "svg.graph g.node"))
        driver.get("about:blank")
finally:
    driver.quit()
print(json.dumps({"samples": samples[1:], "nodes": nodes}))
"""
        # The last stage's model (the generator's first sample): everything upstream of it.
        target = gen["up_targets"][0]
        out = subprocess.run([python, "-c", script, f"http://{addr}", urllib.parse.quote(target)],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(repo, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between one scheduled client's queries (the second load)")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    kin, generator = build_kin_and_generator()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "kin-server", "--example", "lineage_load"],
                   cwd=ROOT, check=True)
    loader = os.path.join(os.path.dirname(kin), "examples", "lineage_load")

    print(f"generating {args.runs} runs ...", file=sys.stderr)
    repo, gen = make_repo(generator, args.runs, 1000, 10)
    try:
        info = json.loads(subprocess.run([kin, "store", "info", "--json"], cwd=repo, check=True,
                                         capture_output=True, text=True,
                                         env={k: v for k, v in os.environ.items() if k != "KIN_STORE_URL"}).stdout)
        process, addr = serve(kin, repo)
        try:
            targets = [("up", gen["up_targets"]), ("down", gen["down_targets"])]
            query_load(loader, addr, targets, 4, 2)  # warm the page cache, as a running server has it
            latencies = query_load(loader, addr, targets, args.clients, args.seconds)
            scheduled = query_load(loader, addr, targets, args.clients, args.seconds, args.interval)
            rate = ingest_load(addr, args.events)
        finally:
            process.terminate()
            process.wait()
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    page = graph_page(kin, generator)

    rows = [
        ("store", f"{info['runs']:,} runs, {info['versions']:,} artifact versions (SQLite)", "", ""),
        (f"lineage up/down `--depth 10`, {args.clients} concurrent clients, closed loop",
         f"{len(latencies):,} queries in {args.seconds:.0f} s ({len(latencies) / args.seconds:,.0f}/s)",
         f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms",
         "≤ 20 ms p95"),
        (f"lineage up/down `--depth 10`, {args.clients} clients each asking every {args.interval * 1000:.0f} ms",
         f"{len(scheduled):,} queries in {args.seconds:.0f} s ({len(scheduled) / args.seconds:,.0f}/s offered)",
         f"p50 {percentile(scheduled, 0.5):.1f} ms, p95 {percentile(scheduled, 0.95):.1f} ms, p99 {percentile(scheduled, 0.99):.1f} ms",
         "≤ 20 ms p95"),
        ("OpenLineage ingest, 8 clients", f"{args.events:,} RunEvents (START and COMPLETE, 3 datasets per run)",
         f"{rate:,.0f} events/s", "≥ 2,000 events/s"),
    ]
    if page:
        rows.append(("lineage graph page in Chromium (headless, 1280×800)",
                     f"{page['nodes']} nodes drawn; navigation to interactive, median of {len(page['samples'])}",
                     f"{statistics.median(page['samples']):.2f} s", "≤ 1 s"))
    table = ["| measure | detail | kin | target |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    if args.write:
        write_section("Server", (
            f"`python3 bench/server.py --runs {args.runs} --clients {args.clients} --seconds {args.seconds:.0f} --interval {args.interval} --events {args.events} --write`. "
            f"Machine: {machine()}. The load generator (crates/kin-server/examples/lineage_load.rs, one thread and "
            "keep-alive connection per client) shares the machine's cores with the server.\n\n" + text + "\n"))


if __name__ == "__main__":
    main()
