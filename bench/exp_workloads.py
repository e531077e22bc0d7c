"""Experiment workloads for bench/run.py: a 16-experiment sweep of a one-second stage run two
at a time, and `exp show` over 200 experiments.

DVC runs a sweep only through its queue (`dvc exp run --queue`, then `dvc queue start`), one
experiment after another, so the sweep's comparison is kin's own sweep one at a time
(`-j 1`), timed on the same repository. Both tools' `exp show` read the same 200 experiments,
which kin makes in each tool's copy of the repository (DVC lists kin's experiments)."""

import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def kin_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "kin")


def _pipeline(path, command):
    with open(os.path.join(path, "params.yaml"), "w") as f:
        f.write("x: 0\n")
    with open(os.path.join(path, "dvc.yaml"), "w") as f:
        f.write(
            "stages:\n"
            "  step:\n"
            f"    cmd: {command}\n"
            "    params: [x]\n"
            "    metrics:\n"
            "    - m.yaml:\n"
            "        cache: false\n"
        )


def gen_one_second_stage(path):
    _pipeline(path, "sleep 1 && cp params.yaml m.yaml")


def gen_instant_stage(path):
    _pipeline(path, "cp params.yaml m.yaml")


def _run(cmd, repo):
    subprocess.run(cmd, cwd=repo, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def commit_baseline(tool, repo):
    """Reproduce once with the tool, then commit: the experiments' baseline."""
    _run([*tool, "repro", "-q"], repo)
    _run(["git", "add", "-A"], repo)
    _run(["git", "-c", "user.name=bench", "-c", "user.email=bench@kin.invalid", "commit", "-q", "-m", "baseline"], repo)


def two_hundred_experiments(tool, repo):
    commit_baseline(tool, repo)
    _run([kin_binary(), "exp", "run", "-S", "x=range(0, 200)", "-j", "2"], repo)


def forget_run_cache(repo):
    """Before each timed sweep: no run-cache, so every experiment really runs its stage."""
    def reset():
        subprocess.run(["rm", "-rf", os.path.join(repo, ".dvc", "cache", "runs")], check=True)
    return reset


SWEEP = ["exp", "run", "-S", "x=range(0, 16)"]


def workloads(Workload):
    return {
        "exp-sweep-16": Workload(
            "16-experiment sweep of a 1-second stage, two at a time (`-j 2`; kin only: DVC runs a "
            "queued sweep one after another); baseline: kin's sweep one at a time (`-j 1`)",
            gen_one_second_stage, [*SWEEP, "-j", "2"], None, setup=commit_baseline,
            before_each=forget_run_cache,
            baseline=("kin -j 1", lambda _args, _repo: [
                "sh", "-c", f"rm -rf .dvc/cache/runs && {kin_binary()} {' '.join(repr(a) for a in SWEEP)} -j 1"])),
        "exp-show-200": Workload(
            "`exp show --json` of 200 experiments on one baseline", gen_instant_stage,
            ["exp", "show", "--json"], ["exp", "show", "--json"], setup=two_hundred_experiments),
    }
