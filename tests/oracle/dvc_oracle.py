#!/usr/bin/env python3
"""Reference oracle: ask the real DVC (3.x Python API) what it thinks of a repo.

Usage (cwd must be the root of a DVC repo, i.e. after `git init && dvc init`):

    /work/dvc-venv/bin/python tests/oracle/dvc_oracle.py stages [--full] [--no-graph-check]
    /work/dvc-venv/bin/python tests/oracle/dvc_oracle.py dag [--cli]
    /work/dvc-venv/bin/python tests/oracle/dvc_oracle.py top

Output is one JSON document on stdout.  On any failure it prints
{"error": "<message>"} and exits with status 1.

EDGE DIRECTION (verified with `dvc dag --dot` on a chain a -> b -> c):
    DVC's internal graph (repo.index.graph) points from a stage to the stages it
    depends on (consumer -> producer).  `dvc dag --dot` writes `graph.reverse()`,
    so every dot edge goes FROM the producing (upstream) stage TO the consuming
    (downstream) stage:

        strict digraph {
        "a";
        "b";
        "c";
        "a" -> "b";
        "b" -> "c";
        }

    The `dag` mode below keeps the dot direction: ["producer", "consumer"].
    `.dvc` files show up as nodes too (their addressing is the .dvc file path
    relative to the repo root, e.g. "data.csv.dvc"), with an edge
    ["data.csv.dvc", "<stage that depends on data.csv>"].

Modes
-----
stages
    {"stages": {"<address>": {
        "cmd": str | [str, ...],
        "wdir": "<stage wdir relative to repo root, '.' for root>",
        "deps": [def_path, ...],          # params deps excluded
        "outs": [def_path, ...],          # metrics and plots excluded
        "metrics": [def_path, ...],
        "plots": [def_path, ...],
        "params": {"<params file relative to wdir>": [key, ...] | null},
        "frozen": bool,
        "always_changed": bool}}}
    Only pipeline stages (dvc.yaml), never .dvc files.  Paths are `def_path`:
    exactly as written in dvc.yaml after interpolation, relative to the stage's
    wdir.  `null` means the whole params file is tracked.  Lists are in DVC's
    order.  Stages are grouped by dvc.yaml (sorted by path), inside one file in
    DVC's definition/expansion order.
    By default the stage graph is also built (like `dvc repro`/`dvc dag` do), so
    cycles and overlapping/duplicated outputs are reported as errors; pass
    --no-graph-check to skip that.
    --full adds "desc", "meta" and "out_flags" ({def_path: {...}} for every
    out/metric/plot with cache/persist/push/remote/annotations/plot props).
dag
    {"nodes": [address, ...], "edges": [[from, to], ...]}, both sorted; from/to
    are the labels `dvc dag --dot` prints, without the surrounding double
    quotes.  Computed from repo.index.graph via the API; with --cli the real
    `dvc dag --dot` is run and its output parsed instead (and both are
    cross-checked: a mismatch is an error).
top
    {"metrics": {...}, "params": {...}, "plots": {...}, "artifacts": {...}}
    the resolved top-level sections, keyed by dvc.yaml path relative to root.
"""

import json
import os
import re
import subprocess
import sys


def _fail(msg):
    sys.stdout.write(json.dumps({"error": msg}) + "\n")
    sys.exit(1)


def _open_repo():
    from dvc.repo import Repo

    return Repo(".")


def _rel_to_root(repo, path):
    rel = os.path.relpath(path, repo.root_dir)
    return rel.replace(os.sep, "/")


def _stage_entry(repo, stage, full=False):
    from dvc.dependency import ParamsDependency

    deps, params = [], {}
    for dep in stage.deps:
        if isinstance(dep, ParamsDependency):
            # ParamsDependency.params is [] when the whole file is tracked.
            params[dep.def_path] = list(dep.params) if dep.params else None
        else:
            deps.append(dep.def_path)

    outs = [o.def_path for o in stage.outs if not o.metric and not o.plot]
    metrics = [o.def_path for o in stage.outs if o.metric]
    plots = [o.def_path for o in stage.outs if o.plot]

    entry = {
        "cmd": stage.cmd,
        "wdir": _rel_to_root(repo, stage.wdir),
        "deps": deps,
        "outs": outs,
        "metrics": metrics,
        "plots": plots,
        "params": params,
        "frozen": bool(stage.frozen),
        "always_changed": bool(stage.always_changed),
    }
    if full:
        entry["desc"] = stage.desc
        entry["meta"] = stage.meta
        flags = {}
        for o in stage.outs:
            f = {
                "cache": o.use_cache,
                "persist": o.persist,
                "push": o.can_push,
                "remote": o.remote,
            }
            annot = o.annot.to_dict()
            if annot:
                f["annot"] = annot
            if isinstance(o.plot, dict):
                f["plot"] = o.plot
            flags[o.def_path] = f
        entry["out_flags"] = flags
    return entry


def cmd_stages(args):
    from dvc.stage import PipelineStage

    full = "--full" in args
    repo = _open_repo()
    index = repo.index
    stages = [s for s in index.stages if isinstance(s, PipelineStage)]
    if "--no-graph-check" not in args:
        index.check_graph()

    by_file = {}
    for s in stages:
        by_file.setdefault(_rel_to_root(repo, s.path), []).append(s)

    out = {}
    for fname in sorted(by_file):
        for s in by_file[fname]:
            out[s.addressing] = _stage_entry(repo, s, full=full)
    return {"stages": out}


def _dag_from_api(repo):
    graph = repo.index.graph  # consumer -> producer
    nodes = sorted(s.addressing for s in graph.nodes)
    edges = sorted([b.addressing, a.addressing] for a, b in graph.edges)
    return {"nodes": nodes, "edges": edges}


_NODE_RE = re.compile(r'^"((?:[^"\\]|\\.)*)";$')
_EDGE_RE = re.compile(r'^"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)";$')


def _dag_from_cli():
    dvc = os.path.join(os.path.dirname(sys.executable), "dvc")
    proc = subprocess.run(
        [dvc, "dag", "--dot"], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip()
        raise RuntimeError(msg)
    nodes, edges = set(), []
    lines = proc.stdout.splitlines()
    if not lines or lines[0] != "strict digraph {":
        raise RuntimeError("unexpected dvc dag --dot output: " + proc.stdout[:200])
    for line in lines[1:]:
        if line in ("}", ""):
            continue
        m = _EDGE_RE.match(line)
        if m:
            edges.append([m.group(1), m.group(2)])
            nodes.update(m.groups())
            continue
        m = _NODE_RE.match(line)
        if m:
            nodes.add(m.group(1))
            continue
        raise RuntimeError("unparsed dot line: " + line)
    return {"nodes": sorted(nodes), "edges": sorted(edges)}


def cmd_dag(args):
    repo = _open_repo()
    api = _dag_from_api(repo)
    if "--cli" not in args:
        return api
    cli = _dag_from_cli()
    if cli != api:
        raise RuntimeError(
            "API/CLI dag mismatch: api=%s cli=%s" % (json.dumps(api), json.dumps(cli))
        )
    return cli


def cmd_top(args):
    repo = _open_repo()
    index = repo.index

    def rel(d):
        return {_rel_to_root(repo, k): v for k, v in sorted(d.items())}

    return {
        "metrics": rel(index._metrics),
        "params": rel(index._params),
        "plots": rel(index._plots),
        "artifacts": rel(index._artifacts),
    }


MODES = {"stages": cmd_stages, "dag": cmd_dag, "top": cmd_top}


def main(argv):
    if len(argv) < 2 or argv[1] not in MODES:
        sys.stderr.write(__doc__)
        _fail("usage: dvc_oracle.py stages|dag|top")
    try:
        result = MODES[argv[1]](argv[2:])
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - everything becomes JSON
        msg = str(exc) or type(exc).__name__
        cause = exc.__cause__ or exc.__context__
        if cause is not None and str(cause) and str(cause) not in msg:
            msg += " (caused by: %s: %s)" % (type(cause).__name__, cause)
        _fail("%s: %s" % (type(exc).__name__, msg))
    sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
