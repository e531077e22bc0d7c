// kin's web UI: runs, artifacts, the lineage graph, why, models and gates, read from the
// /api/v1 routes `kin serve` answers. No framework and no network beyond this server.
// Everything shown comes from the store, which anyone who recorded into it could fill: it is
// put in the page as text (textContent, attributes), never as markup.
"use strict";

// ---------------------------------------------------------------------------------------
// Small helpers.

/** An element with attributes (`on*` as listeners) and children (strings become text). */
function h(tag, attrs, ...children) {
  const svg = ["svg", "g", "path", "rect", "text", "title", "defs", "marker", "polygon"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.setAttribute("class", value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const main = () => document.getElementById("main");

function show(...children) {
  const root = main();
  root.replaceChildren(...children);
}

function errorBox(message) {
  return h("div", { class: "error", role: "alert" }, message);
}

/** The bearer token the user gave this tab, when the server asks for one. */
function token() {
  return sessionStorage.getItem("kin-token");
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GETs an API route; JSON unless `as` says "text". */
async function api(path, as) {
  const headers = {};
  if (token()) headers.Authorization = "Bearer " + token();
  const response = await fetch(path, { headers });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch (_) { /* not JSON */ }
    throw new ApiError(response.status, message);
  }
  if (as === "text") return response.text();
  if (as === "response") return response;
  return response.json();
}

function shortHash(hash) {
  if (!hash) return "";
  return hash.endsWith(".dir") ? hash.slice(0, 8) + ".dir" : hash.slice(0, 8);
}

function shortId(id) {
  return id ? id.slice(0, 13) : "";
}

function when(text) {
  return text ? text.replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
}

function status(run) {
  return h("span", { class: "status-" + run.status }, run.status);
}

function runLink(run) {
  return h("a", { href: "#/runs/" + encodeURIComponent(run.run_id) }, shortId(run.run_id));
}

function artifactLink(path, label) {
  return h("a", { href: "#/artifacts/" + path.split("/").map(encodeURIComponent).join("/") }, label || path);
}

function lineageHref(target, direction, depth) {
  const params = new URLSearchParams({ target, direction: direction || "up" });
  if (depth) params.set("depth", depth);
  return "#/lineage?" + params.toString();
}

/** The route's parts: `#/runs/ID?x=1` is ["runs", "ID"] and {x: "1"}. */
function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(query || "") };
}

function go(hash) {
  // A page being replaced is not ready (tests and scripts wait on these).
  delete document.body.dataset.ready;
  delete document.body.dataset.graphReady;
  if (location.hash === hash) render();
  else location.hash = hash;
}

// ---------------------------------------------------------------------------------------
// Pages.

async function runsPage(query) {
  const filters = ["stage", "status", "since", "project"];
  const inputs = {};
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const key of filters) if (inputs[key].value) params.set(key, inputs[key].value);
    go("#/runs?" + params.toString());
  } });
  inputs.stage = h("input", { name: "stage", placeholder: "stage", value: query.get("stage") || "" });
  inputs.status = h("select", { name: "status" },
    ["", "succeeded", "failed", "restored", "committed", "imported"].map((s) =>
      h("option", { value: s, selected: query.get("status") === s }, s || "any status")));
  inputs.since = h("input", { name: "since", placeholder: "since (2026-11-01, 3d)", value: query.get("since") || "" });
  inputs.project = h("input", { name: "project", placeholder: "project", value: query.get("project") || "" });
  form.append(inputs.stage, inputs.status, inputs.since, inputs.project, h("button", { type: "submit" }, "Filter"));
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "More");
  show(h("h1", {}, "Runs"), form,
    h("table", { id: "runs" },
      h("thead", {}, h("tr", {}, ["run", "stage", "status", "started", "commit", "project", "user"].map((c) => h("th", {}, c)))),
      body),
    h("p", {}, more));
  const params = new URLSearchParams();
  for (const key of filters) if (query.get(key)) params.set(key, query.get(key));
  params.set("limit", "50");
  let next = "/api/v1/runs?" + params.toString();
  async function page() {
    const response = await api(next, "response");
    const runs = await response.json();
    for (const run of runs) {
      body.append(h("tr", { "data-run": run.run_id },
        h("td", { class: "mono" }, runLink(run)),
        h("td", {}, h("a", { href: lineageHref("run:" + run.run_id, "up") }, run.stage)),
        h("td", {}, status(run)),
        h("td", {}, when(run.started)),
        h("td", { class: "mono" }, (run.git_commit || "").slice(0, 7) + (run.git_dirty ? "+dirty" : "")),
        h("td", {}, run.project || ""),
        h("td", {}, run.user || "")));
    }
    if (!runs.length && !body.children.length) {
      body.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No runs recorded that match.")));
    }
    const link = response.headers.get("Link");
    const match = link && link.match(/<([^>]+)>;\s*rel="next"/);
    next = match ? match[1] : null;
    more.hidden = !next;
  }
  more.addEventListener("click", () => page().catch((e) => more.replaceWith(errorBox(e.message))));
  await page();
}

function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", {}, label), h("dd", {}, value));
  }
  return dl;
}

function json(value) {
  return h("pre", {}, JSON.stringify(value, null, 2));
}

function versionsTable(versions) {
  return h("table", {},
    h("thead", {}, h("tr", {}, ["path", "hash", "size", "lineage"].map((c) => h("th", {}, c)))),
    h("tbody", {}, versions.map((v) => h("tr", {},
      h("td", {}, artifactLink(v.path)),
      h("td", { class: "mono" }, shortHash(v.hash)),
      h("td", {}, v.size === null || v.size === undefined ? "" : String(v.size)),
      h("td", {}, h("a", { href: lineageHref(v.id, "up") }, "up"), " · ",
        h("a", { href: lineageHref(v.id, "down") }, "down"))))));
}

async function runPage(id) {
  const run = await api("/api/v1/runs/" + encodeURIComponent(id));
  const log = h("pre", { id: "log" }, "…");
  show(
    h("h1", {}, "Run of ", run.stage, " ", status(run)),
    facts([
      ["run", run.run_id],
      ["command", run.cmd],
      ["exit code", run.exit_code === null ? "" : String(run.exit_code)],
      ["started", when(run.started)],
      ["ended", when(run.ended)],
      ["user", run.user],
      ["host", run.host],
      ["commit", run.git_commit ? run.git_commit + (run.git_dirty ? " (dirty)" : "") : ""],
      ["project", run.project],
      ["tags", Object.entries(run.tags || {}).map(([k, v]) => k + "=" + v).join(", ")],
    ]),
    h("p", {}, h("a", { href: lineageHref("run:" + run.run_id, "up") }, "Upstream lineage"), " · ",
      h("a", { href: lineageHref("run:" + run.run_id, "down") }, "Downstream lineage")),
    h("div", { class: "columns" },
      h("div", {}, h("h2", {}, "Inputs"), versionsTable(run.inputs || [])),
      h("div", {}, h("h2", {}, "Outputs"), versionsTable(run.outputs || []))),
    h("div", { class: "columns" },
      h("div", {}, h("h2", {}, "Params"), json(run.params || {})),
      h("div", {}, h("h2", {}, "Metrics"), json(run.metrics || {}))),
    h("h2", {}, "Environment"), json(run.environment),
    h("h2", {}, "Log"), log);
  if (run.log_object) {
    api("/api/v1/runs/" + encodeURIComponent(run.run_id) + "/log", "text")
      .then((text) => { log.textContent = text || "(empty)"; })
      .catch((e) => { log.textContent = e.message; });
  } else {
    log.textContent = "No output was captured.";
  }
}

function runsCell(runs) {
  return runs.length ? runs.map((r, i) => [i ? ", " : "", runLink(r), " ", r.stage]) : h("span", { class: "muted" }, "none");
}

async function artifactPage(path) {
  const doc = await api("/api/v1/artifacts/" + path.split("/").map(encodeURIComponent).join("/"));
  show(h("h1", {}, doc.path),
    h("table", { id: "versions" },
      h("thead", {}, h("tr", {}, ["version", "first seen", "size", "generated by", "used by", "lineage"].map((c) => h("th", {}, c)))),
      h("tbody", {}, doc.versions.map((v) => h("tr", {},
        h("td", { class: "mono" }, shortHash(v.hash)),
        h("td", {}, when(v.first_seen)),
        h("td", {}, v.size === null ? "" : String(v.size)),
        h("td", {}, runsCell(v.generated_by)),
        h("td", {}, runsCell(v.used_by)),
        h("td", {}, h("a", { href: lineageHref(v.id, "up") }, "up"), " · ",
          h("a", { href: lineageHref(v.id, "down") }, "down")))))));
}

async function whyPage(query) {
  const target = h("input", { placeholder: "artifact: path or path@hash", value: query.get("target") || "" });
  const from = h("input", { placeholder: "from: rev or run:ID (optional)", value: query.get("from") || "" });
  const to = h("input", { placeholder: "to: rev or run:ID (optional)", value: query.get("to") || "" });
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    const params = new URLSearchParams({ target: target.value });
    if (from.value) params.set("from", from.value);
    if (to.value) params.set("to", to.value);
    go("#/why?" + params.toString());
  } }, target, from, to, h("button", { type: "submit" }, "Explain"));
  show(h("h1", {}, "Why did it change?"), form);
  if (!query.get("target")) return;
  const params = new URLSearchParams(query);
  const report = await api("/api/v1/why?" + params.toString());
  const side = (label, s) => h("div", {}, h("h2", {}, label),
    facts([["version", shortHash(s.hash)], ["first seen", when(s.first_seen)],
      ["run", s.run ? h("a", { href: "#/runs/" + s.run }, shortId(s.run)) : ""], ["commit", s.commit]]));
  const causeView = (c) => h("div", { class: "cause" },
    h("span", { class: "kind" }, c.kind), c.stage ? "stage " + c.stage + ": " : "",
    c.kind === "param" ? `${c.file} ${c.key}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`
      : c.kind === "cmd" ? `${c.old || "(none)"} → ${c.new || "(none)"}`
      : c.kind === "environment" ? (c.changes || []).map((ch) => `${ch.package || ch.fact}: ${ch.old || "-"} → ${ch.new || "-"}`).join("; ")
      : `${c.path}: ${shortHash(c.old) || "(none)"} → ${shortHash(c.new) || "(none)"}`);
  main().append(
    h("div", { class: "columns", id: "why-sides" }, side("Before", report.old), side("After", report.new)),
    h("h2", {}, "Causes, nearest first"),
    report.causes.length ? report.causes.map(causeView) : h("p", { class: "muted" }, "Nothing upstream changed."),
    report.consequences.length ? [h("h2", {}, "Also changed"), report.consequences.map(causeView)] : null,
    report.commits.length ? [h("h2", {}, "Commits between"), h("ul", {}, report.commits.map((c) => h("li", {}, h("code", {}, c.sha.slice(0, 7)), " ", c.subject)))] : null);
}

async function modelsPage() {
  const doc = await api("/api/v1/models");
  const artifacts = Object.entries(doc);
  const stages = (a) => Object.entries(a.stage || {}).map(([stage, version]) => stage + ": " + (version && version.version ? version.version : version)).join(", ");
  show(h("h1", {}, "Models"),
    artifacts.length ? h("table", { id: "models" },
      h("thead", {}, h("tr", {}, ["artifact", "latest version", "stages", "registered"].map((c) => h("th", {}, c)))),
      h("tbody", {}, artifacts.map(([name, a]) => h("tr", {},
        h("td", {}, h("a", { href: "#/models/" + encodeURIComponent(name) }, name)),
        h("td", { class: "mono" }, a.version || ""),
        h("td", {}, stages(a)),
        h("td", {}, a.registered ? "yes" : "no")))))
      : h("p", { class: "muted" }, "No model is registered yet (kin model register NAME)."));
}

async function modelPage(name) {
  const versions = await api("/api/v1/models/" + encodeURIComponent(name));
  const frame = h("iframe", { class: "card-frame", title: "model card", sandbox: "" });
  show(h("h1", {}, name),
    h("table", { id: "model-versions" },
      h("thead", {}, h("tr", {}, ["version", "created", "stages", "commit", "card"].map((c) => h("th", {}, c)))),
      h("tbody", {}, versions.map((v) => h("tr", {},
        h("td", { class: "mono" }, v.version),
        h("td", {}, when(v.created_at)),
        h("td", {}, (v.stages || []).map((s) => s.stage || s).join(", ")),
        h("td", { class: "mono" }, (v.commit_hexsha || "").slice(0, 7)),
        h("td", {}, h("a", { href: "#", onclick: (e) => {
          e.preventDefault();
          api("/api/v1/cards?format=html&ref=" + encodeURIComponent(name + "@" + v.version), "text")
            .then((html) => { frame.srcdoc = html; })
            .catch((err) => frame.replaceWith(errorBox(err.message)));
        } }, "card")))))),
    h("h2", {}, "Model card"), frame);
  if (versions.length) {
    const latest = versions[versions.length - 1];
    api("/api/v1/cards?format=html&ref=" + encodeURIComponent(name + "@" + latest.version), "text")
      .then((html) => { frame.srcdoc = html; }).catch(() => {});
  }
}

async function gatesPage() {
  const gates = await api("/api/v1/gates?limit=50");
  show(h("h1", {}, "Gates"),
    gates.length ? h("table", { id: "gates" },
      h("thead", {}, h("tr", {}, ["stage", "run", "verdict", "report"].map((c) => h("th", {}, c)))),
      h("tbody", {}, gates.map((g) => h("tr", {},
        h("td", {}, g.stage),
        h("td", { class: "mono" }, h("a", { href: "#/runs/" + g.run }, shortId(g.run))),
        h("td", {}, h("span", { class: g.passed ? "passed" : "failed" }, g.passed ? "passed" : "failed")),
        h("td", {},
          (g.drift || []).map((d) => h("div", {}, `${d.file}: ${d.dataset_drift ? "drift detected" : "no drift"} (${d.drifted_columns} of ${d.columns_total} columns)`)),
          (g.fairness || []).map((f) => h("div", {}, `${f.file}: ${(f.checks || []).filter((c) => c.passed === false).length} failed of ${(f.checks || []).length} checks`)))))))
      : h("p", { class: "muted" }, "No drift or fairness gate has run."));
}

// ---------------------------------------------------------------------------------------
// The lineage graph.

/** The foreach group a stage belongs to (`train@lr0.1` → `train`), or null. */
function foreachGroup(stage) {
  const at = stage.lastIndexOf("@");
  return at > 0 ? stage.slice(0, at) : null;
}

/** Nodes and edges with foreach runs folded into one node per group unless expanded. */
function fold(graph, expanded, grouping) {
  const groupOf = new Map();
  const members = new Map();
  if (grouping) {
    for (const n of graph.nodes) {
      if (n.type !== "run") continue;
      const g = foreachGroup(n.stage);
      if (!g) continue;
      if (!members.has(g)) members.set(g, []);
      members.get(g).push(n);
    }
    for (const [g, list] of members) {
      if (list.length < 2 || expanded.has(g)) continue;
      for (const n of list) groupOf.set(n.id, "group:" + g);
    }
  }
  const nodes = [];
  const seen = new Set();
  for (const n of graph.nodes) {
    const id = groupOf.get(n.id) || n.id;
    if (seen.has(id)) continue;
    seen.add(id);
    if (groupOf.has(n.id)) {
      const g = id.slice(6);
      const list = members.get(g);
      nodes.push({ id, type: "group", group: g, count: list.length, failed: list.some((m) => m.status === "failed"), depth: n.depth });
    } else nodes.push(n);
  }
  const edges = [];
  const edgeSeen = new Set();
  for (const e of graph.edges) {
    const from = groupOf.get(e.from) || e.from;
    const to = groupOf.get(e.to) || e.to;
    const key = from + "\u0000" + to;
    if (from === to || edgeSeen.has(key) || !seen.has(from) || !seen.has(to)) continue;
    edgeSeen.add(key);
    edges.push({ from, to, type: e.type });
  }
  return { nodes, edges, groups: [...members.entries()].filter(([, l]) => l.length > 1).map(([g]) => g) };
}

/** Layered layout left to right: each node's column is its longest path from a source;
 * rows ordered by a few barycenter sweeps to cross fewer edges. */
function layout(nodes, edges) {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const outs = nodes.map(() => []);
  const ins = nodes.map(() => []);
  for (const e of edges) {
    const a = index.get(e.from), b = index.get(e.to);
    if (a === undefined || b === undefined) continue;
    outs[a].push(b);
    ins[b].push(a);
  }
  const layer = new Array(nodes.length).fill(0);
  const indegree = ins.map((l) => l.length);
  const queue = [];
  indegree.forEach((d, i) => { if (d === 0) queue.push(i); });
  let placed = 0;
  while (queue.length) {
    const i = queue.shift();
    placed++;
    for (const j of outs[i]) {
      layer[j] = Math.max(layer[j], layer[i] + 1);
      if (--indegree[j] === 0) queue.push(j);
    }
  }
  if (placed < nodes.length) {
    // A cycle (the store was edited by hand): what remains keeps its traversal depth.
    nodes.forEach((n, i) => { if (indegree[i] > 0) layer[i] = n.depth || 0; });
  }
  const columns = [];
  layer.forEach((l, i) => { (columns[l] = columns[l] || []).push(i); });
  const row = new Array(nodes.length).fill(0);
  const setRows = () => columns.forEach((col) => (col || []).forEach((i, r) => { row[i] = r; }));
  setRows();
  const sweep = (neighbours) => {
    for (const col of columns) {
      if (!col) continue;
      const score = new Map(col.map((i) => {
        const near = neighbours[i];
        return [i, near.length ? near.reduce((s, j) => s + row[j], 0) / near.length : row[i]];
      }));
      col.sort((a, b) => score.get(a) - score.get(b));
      col.forEach((i, r) => { row[i] = r; });
    }
  };
  for (let pass = 0; pass < 4; pass++) { sweep(ins); columns.reverse(); sweep(outs); columns.reverse(); }
  const width = 176, height = 44, gapX = 56, gapY = 16;
  const tallest = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const positions = nodes.map((_, i) => {
    const col = columns[layer[i]];
    const offset = ((tallest - col.length) * (height + gapY)) / 2;
    return { x: layer[i] * (width + gapX), y: offset + row[i] * (height + gapY), w: width, h: height };
  });
  return { positions, width: columns.length * (width + gapX), height: tallest * (height + gapY), outs, ins, index };
}

function label(node) {
  if (node.type === "artifact") return [node.path.split("/").pop(), shortHash(node.hash)];
  if (node.type === "group") return [node.group + "@… (" + node.count + ")", "foreach group"];
  return [node.stage, node.status + " " + when(node.started).slice(5, 16)];
}

function clip(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

async function lineagePage(query) {
  const target = query.get("target");
  const direction = query.get("direction") || "up";
  const depth = query.get("depth") || "";
  const targetInput = h("input", { placeholder: "path, path@hash, run:ID or stage", value: target || "", size: 40 });
  const directionSelect = h("select", { id: "direction" },
    [["up", "upstream"], ["down", "downstream"], ["both", "both ways"]].map(([v, l]) => h("option", { value: v, selected: v === direction }, l)));
  const depthSelect = h("select", { id: "depth" },
    h("option", { value: "", selected: !depth }, "all depths"),
    [1, 2, 3, 4, 5, 6, 8, 10].map((d) => h("option", { value: String(d), selected: String(d) === depth }, "depth " + d)));
  const reload = () => go(lineageHref(targetInput.value, directionSelect.value, depthSelect.value));
  directionSelect.addEventListener("change", reload);
  depthSelect.addEventListener("change", reload);
  const bar = h("form", { class: "graph-bar", onsubmit: (e) => { e.preventDefault(); reload(); } },
    targetInput, directionSelect, depthSelect, h("button", { type: "submit" }, "Show"));
  show(h("h1", {}, "Lineage"), bar);
  if (!target) {
    main().append(h("p", { class: "muted" }, "Give a path, path@hash, run:ID or stage — or follow a link from a run or an artifact."));
    return;
  }
  const fetchOne = (dir) => {
    const params = new URLSearchParams({ target });
    if (depth) params.set("depth", depth);
    return api("/api/v1/lineage/" + dir + "?" + params.toString());
  };
  const answers = direction === "both" ? await Promise.all([fetchOne("up"), fetchOne("down")]) : [await fetchOne(direction)];
  const graph = { target: answers[0].target, direction, nodes: [], edges: [] };
  const nodeSeen = new Set(), edgeSeen = new Set();
  for (const a of answers) {
    for (const n of a.nodes) if (!nodeSeen.has(n.id)) { nodeSeen.add(n.id); graph.nodes.push(n); }
    for (const e of a.edges) {
      const key = e.from + "\u0000" + e.to + "\u0000" + e.type;
      if (!edgeSeen.has(key)) { edgeSeen.add(key); graph.edges.push(e); }
    }
  }
  drawGraph(graph, bar);
}

function drawGraph(graph, bar) {
  const expanded = new Set();
  let grouping = true;
  let selected = null;
  const transform = { x: 20, y: 20, k: 1 };
  const svg = h("svg", { class: "graph", role: "img", "aria-label": "lineage graph" });
  const viewport = h("g", { class: "viewport" });
  svg.append(h("defs", {}, h("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
    h("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8d97a8" }))), viewport);
  const side = h("div", { class: "side", id: "node-details" });
  const counts = h("span", { class: "muted", id: "graph-counts" });
  const groupToggle = h("label", {}, h("input", { type: "checkbox", checked: true, id: "group-foreach", onchange: (e) => { grouping = e.target.checked; redraw(); } }), " fold foreach groups");
  const fit = h("button", { type: "button", id: "fit" }, "Fit");
  bar.append(groupToggle, fit, counts);
  main().append(h("div", { class: "graph-wrap" }, svg, side,
    h("div", { class: "legend" }, "click: select and trace · double-click: open · drag: pan · wheel: zoom")));

  let current = null;
  function applyTransform() {
    viewport.setAttribute("transform", `translate(${transform.x},${transform.y}) scale(${transform.k})`);
  }
  /** The whole graph in view when it fits at a readable scale; else readable, around the
   * target (upstream graphs grow to its left, downstream to its right). */
  function fitView() {
    if (!current) return;
    const box = svg.getBoundingClientRect();
    const lay = current.layout;
    const whole = Math.min((box.width - 40) / Math.max(1, lay.width), (box.height - 40) / Math.max(1, lay.height));
    transform.k = Math.min(1.2, Math.max(0.55, whole));
    const targetIndex = current.folded.nodes.findIndex((n) => n.id === graph.target);
    if (whole >= 0.55 || targetIndex < 0) {
      transform.x = (box.width - lay.width * transform.k) / 2;
      transform.y = (box.height - lay.height * transform.k) / 2;
    } else {
      const p = lay.positions[targetIndex];
      const rightward = current.direction !== "down";
      transform.x = (rightward ? box.width * 0.85 : box.width * 0.15) - (p.x + p.w / 2) * transform.k;
      transform.y = box.height / 2 - (p.y + p.h / 2) * transform.k;
    }
    applyTransform();
  }
  fit.addEventListener("click", fitView);

  function open(node) {
    if (node.type === "group") { expanded.add(node.group); redraw(); return; }
    if (node.type === "run") go("#/runs/" + encodeURIComponent(node.run_id));
    else go("#/artifacts/" + node.path.split("/").map(encodeURIComponent).join("/"));
  }

  function select(i) {
    selected = i;
    const { layout: lay, folded, elements } = current;
    svg.classList.toggle("has-selection", i !== null);
    const up = new Set(), down = new Set();
    if (i !== null) {
      const walk = (start, next, into) => {
        const stack = [start];
        while (stack.length) {
          const j = stack.pop();
          for (const k of next[j]) if (!into.has(k)) { into.add(k); stack.push(k); }
        }
      };
      walk(i, lay.ins, up);
      walk(i, lay.outs, down);
    }
    elements.nodes.forEach((el, j) => {
      el.classList.toggle("selected", j === i);
      el.classList.toggle("up", up.has(j));
      el.classList.toggle("down", down.has(j));
      el.classList.toggle("dim", i !== null && j !== i && !up.has(j) && !down.has(j));
    });
    elements.edges.forEach(({ el, a, b }) => {
      const lit = i !== null && ((a === i || up.has(a)) && (b === i || up.has(b)) || (a === i || down.has(a)) && (b === i || down.has(b)));
      el.classList.toggle("lit", lit);
      el.classList.toggle("dim", i !== null && !lit);
    });
    if (i === null) { side.classList.remove("shown"); return; }
    const node = folded.nodes[i];
    const details = node.type === "run"
      ? [h("strong", {}, node.stage), " ", h("span", { class: "status-" + node.status }, node.status), h("br"), "run ", shortId(node.run_id), h("br"), when(node.started), node.project ? [h("br"), "project ", node.project] : null]
      : node.type === "group" ? [h("strong", {}, node.group + "@…"), " ", String(node.count) + " runs folded"]
      : [h("strong", {}, node.path), h("br"), node.hash, node.size !== null && node.size !== undefined ? [h("br"), String(node.size) + " bytes"] : null];
    side.replaceChildren(...details.flat(), h("br"),
      h("span", { class: "muted" }, up.size + " upstream · " + down.size + " downstream · "),
      h("a", { href: "#", onclick: (e) => { e.preventDefault(); open(node); } }, node.type === "group" ? "expand" : "open"));
    side.classList.add("shown");
  }

  function redraw() {
    const folded = fold(graph, expanded, grouping);
    groupToggle.hidden = !folded.groups.length;
    const lay = layout(folded.nodes, folded.edges);
    viewport.replaceChildren();
    const edgeLayer = h("g", { class: "edges" });
    const nodeLayer = h("g", { class: "nodes" });
    viewport.append(edgeLayer, nodeLayer);
    const elements = { nodes: [], edges: [] };
    for (const e of folded.edges) {
      const a = lay.index.get(e.from), b = lay.index.get(e.to);
      if (a === undefined || b === undefined) continue;
      const p = lay.positions[a], q = lay.positions[b];
      const x1 = p.x + p.w, y1 = p.y + p.h / 2, x2 = q.x, y2 = q.y + q.h / 2;
      const mid = (x1 + x2) / 2;
      const el = h("path", { class: "edge " + e.type, d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to });
      edgeLayer.append(el);
      elements.edges.push({ el, a, b });
    }
    folded.nodes.forEach((node, i) => {
      const p = lay.positions[i];
      const [title, sub] = label(node);
      const classes = ["node", node.type];
      if (node.type === "run" && node.status === "failed" || node.failed) classes.push("failed");
      if (node.id === graph.target) classes.push("target");
      const el = h("g", { class: classes.join(" "), transform: `translate(${p.x},${p.y})`, "data-id": node.id, tabindex: "0" },
        h("title", {}, node.type === "artifact" ? node.path + "@" + node.hash : node.type === "run" ? node.stage + " run:" + node.run_id : node.group + " (foreach)"),
        h("rect", { width: p.w, height: p.h, rx: node.type === "artifact" ? 4 : 14 }),
        h("text", { x: 10, y: 19 }, clip(title, 24)),
        h("text", { x: 10, y: 35, class: "sub" }, clip(sub, 28)));
      el.addEventListener("click", (ev) => { ev.stopPropagation(); select(selected === i ? null : i); });
      el.addEventListener("dblclick", (ev) => { ev.stopPropagation(); open(node); });
      el.addEventListener("keydown", (ev) => { if (ev.key === "Enter") open(node); });
      nodeLayer.append(el);
      elements.nodes.push(el);
    });
    current = { layout: lay, folded, elements, direction: graph.direction };
    counts.textContent = `${graph.nodes.length} nodes, ${graph.edges.length} edges` + (folded.nodes.length !== graph.nodes.length ? ` (${folded.nodes.length} shown)` : "");
    selected = null;
    select(null);
    fitView();
  }

  // Pan and zoom.
  let drag = null;
  svg.addEventListener("mousedown", (e) => { drag = { x: e.clientX - transform.x, y: e.clientY - transform.y, moved: false }; svg.classList.add("dragging"); });
  window.addEventListener("mousemove", (e) => {
    if (!drag) return;
    transform.x = e.clientX - drag.x;
    transform.y = e.clientY - drag.y;
    drag.moved = true;
    applyTransform();
  });
  window.addEventListener("mouseup", () => { drag = null; svg.classList.remove("dragging"); });
  svg.addEventListener("click", () => { if (selected !== null) select(null); });
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const box = svg.getBoundingClientRect();
    const cx = e.clientX - box.left, cy = e.clientY - box.top;
    const k = Math.min(3, Math.max(0.1, transform.k * Math.exp(-e.deltaY * 0.0015)));
    transform.x = cx - ((cx - transform.x) * k) / transform.k;
    transform.y = cy - ((cy - transform.y) * k) / transform.k;
    transform.k = k;
    applyTransform();
  }, { passive: false });

  redraw();
  document.body.dataset.graphReady = "true";
}

// ---------------------------------------------------------------------------------------
// Routing.

function askForToken(retry) {
  const input = h("input", { type: "password", placeholder: "bearer token", id: "token" });
  show(h("h1", {}, "This server needs a token"),
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); sessionStorage.setItem("kin-token", input.value.trim()); retry(); } },
      input, h("button", { type: "submit" }, "Use")),
    h("p", { class: "muted" }, "The token is kept in this tab only."));
}

async function render() {
  delete document.body.dataset.ready;
  delete document.body.dataset.graphReady;
  const { parts, query } = route();
  const page = parts[0] || "runs";
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.nav === page);
  try {
    if (page === "runs" && parts[1]) await runPage(parts[1]);
    else if (page === "runs") await runsPage(query);
    else if (page === "artifacts") await artifactPage(parts.slice(1).join("/"));
    else if (page === "lineage") await lineagePage(query);
    else if (page === "why") await whyPage(query);
    else if (page === "models" && parts[1]) await modelPage(parts.slice(1).join("/"));
    else if (page === "models") await modelsPage();
    else if (page === "gates") await gatesPage();
    else show(errorBox("No such page: " + location.hash));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) askForToken(render);
    else show(errorBox(e.message));
  }
  document.body.dataset.page = page;
  document.body.dataset.ready = "true";
}

window.addEventListener("hashchange", render);
window.addEventListener("DOMContentLoaded", () => {
  document.getElementById("jump").addEventListener("submit", (e) => {
    e.preventDefault();
    const target = document.getElementById("jump-target").value.trim();
    if (target) go(lineageHref(target, "up"));
  });
  render();
});
