"""Model registry workloads for bench/run.py: `kin model show/history --json` against the real
`gto` (GTO 1.10.1, in the DVC venv) on a registry of 50 artifacts with 1,000 registered
versions and 363 stage assignments, all GTO git tags.

The repository is written by one `git fast-import` (commits, annotated tags and their refs in
one pack, about a second), not by running `gto register`/`gto assign` 1,363 times (each is a
Python start-up and a scan of every tag so far: most of an hour). The tag objects are byte for
byte what GTO writes: `NAME@vX.Y.Z` registering a version and `NAME#STAGE#N` assigning a stage
(N one more than the artifact's highest so far), GTO's messages without a trailing newline,
on the commit the version was registered on. Tagger times are one second apart, so the order
both tools sort events by is never a tie.
"""

import os
import subprocess

ARTIFACTS = 50
VERSIONS = 20  # per artifact: 1,000 in all
COMMITS_PER_ROUND = 10  # artifact a's k-th version is on commit k * 10 + a % 10
TAGGER = "Bench Tagger <tagger@example.invalid>"
AUTHOR = "Bench Author <author@example.invalid>"
START = 1_767_225_600  # 2026-01-01T00:00:00Z
ZONE = "+0200"  # not UTC, so the offset in the tools' ISO times is exercised too


def version(k):
    """v1.0.0 … v1.3.4: minor and patch both move, so versions sort as semver, not text."""
    return f"v1.{k // 5}.{k % 5}"


def stages(a, k):
    """The stages artifact `a`'s k-th version is promoted through, in order: `dev` on every
    fifth version (4 per artifact), `staging` on every tenth (2), `prod` on one, and on a
    second for every fourth artifact (63 in all)."""
    s = (a + k) % 20
    out = []
    if s % 5 == 0:
        out.append("dev")
    if s % 10 == 0:
        out.append("staging")
    if s == 0 or (a % 4 == 0 and s == 10):
        out.append("prod")
    return out


def _data(text):
    """fast-import's `data` takes exactly the counted bytes: the newline after them is not
    part of the text, so a tag message ends without one, as GTO writes it."""
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def fast_import_stream():
    """Commits on `main`, each followed by the registrations and assignments made on it."""
    out = []
    clock = START
    counters = [0] * ARTIFACTS  # per artifact, the highest stage tag number used
    for commit in range(VERSIONS * COMMITS_PER_ROUND):
        k, slot = divmod(commit, COMMITS_PER_ROUND)
        on_it = [a for a in range(ARTIFACTS) if a % COMMITS_PER_ROUND == slot]
        clock += 60
        out.append(b"commit refs/heads/main\nmark :%d\n" % (commit + 1))
        out.append(f"author {AUTHOR} {clock} {ZONE}\ncommitter {AUTHOR} {clock} {ZONE}\n".encode())
        out.append(_data(f"train round {k}, slot {slot}"))
        for a in on_it:
            out.append(f"M 100644 inline models/model-{a:02d}.txt\n".encode())
            out.append(_data(f"model-{a:02d} {version(k)}\n"))
        out.append(b"\n")
        for a in on_it:
            name = f"model-{a:02d}"
            tags = [(f"{name}@{version(k)}", f"Registering artifact {name} version {version(k)}")]
            for stage in stages(a, k):
                counters[a] += 1
                tags.append((f"{name}#{stage}#{counters[a]}",
                             f"Assigning stage {stage} to artifact {name} version {version(k)}"))
            for tag, message in tags:
                clock += 1
                out.append(f"tag {tag}\nfrom :{commit + 1}\ntagger {TAGGER} {clock} {ZONE}\n".encode())
                out.append(_data(message))
    return b"".join(out)


def gen_registry(path):
    """The registry repository in `path`, its tags packed as a clone would have them."""
    def git(*args, **kw):
        subprocess.run(["git", *args], cwd=path, check=True, stdout=subprocess.DEVNULL, **kw)
    git("init", "-q", "-b", "main")
    git("fast-import", "--quiet", input=fast_import_stream())
    git("pack-refs", "--all")
    git("reset", "-q", "--hard", "main")


CARD_PIPELINE = """\
params:
  - params.yaml
stages:
  prepare:
    cmd: sort data.csv > prepared.csv
    deps: [data.csv]
    outs: [prepared.csv]
  train:
    cmd: cat prepared.csv > model.bin && echo "depth=${train.depth}" >> model.bin
    deps: [prepared.csv]
    params: [train]
    outs: [model.bin]
  evaluate:
    cmd: >-
      echo '{"auc": 0.91, "rows": 5000}' > metrics.json
    deps: [model.bin]
    metrics:
      - metrics.json:
          cache: false
  fairness:
    cmd: >-
      echo '{"checks": [{"metric": "gap", "bound": "max", "limit": 0.1, "value": 0.02, "passed": true}]}'
      > fairness.json
    deps: [model.bin]
    metrics:
      - fairness.json:
          cache: false
artifacts:
  churn:
    path: model.bin
    type: model
    desc: Churn classifier
    labels: [tabular]
    meta: {framework: scikit-learn, task: tabular-classification}
"""


def gen_card_repo(path):
    """The 1,000-version registry plus a four-stage pipeline whose model is artifact `churn`
    (run and registered by `card_setup`, once the harness has initialised the repository)."""
    gen_registry(path)
    with open(f"{path}/dvc.yaml", "w") as f:
        f.write(CARD_PIPELINE)
    with open(f"{path}/params.yaml", "w") as f:
        f.write("train:\n  depth: 6\n")
    with open(f"{path}/data.csv", "w") as f:
        f.write("id,x,churned\n" + "".join(f"{i},{i * 7 % 101},{i % 2}\n" for i in range(5000)))


def card_setup(tool, repo):
    """Untimed: track the data, run the pipeline (recording its lineage), commit, register."""
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.invalid")

    def run(*cmd):
        subprocess.run(cmd, cwd=repo, check=True, stdout=subprocess.DEVNULL, env=env)
    run(*tool, "add", "-q", "data.csv")
    run(*tool, "repro", "-q")
    run("git", "add", "-A")
    run("git", "commit", "-q", "-m", "train")
    run(*tool, "model", "register", "churn", "--version", "v1.0.0")


def workloads(Workload):
    return {
        "model-show-1000": Workload(
            "`model show --json` vs `gto show --json`: the registry of 50 artifacts, "
            "1,000 versions, 363 stage tags", gen_registry,
            ["model", "show", "--json"], ["show", "--json"], versus="gto"),
        "model-history-1000": Workload(
            "`model history --json` vs `gto history --json` on that registry (1,363 events)",
            gen_registry, ["model", "history", "--json"], ["history", "--json"], versus="gto"),
        "model-show-one": Workload(
            "`model show model-07 --json` vs `gto show model-07 --json` (one artifact's 20 "
            "versions, same registry)", gen_registry,
            ["model", "show", "model-07", "--json"], ["show", "model-07", "--json"], versus="gto"),
        "model-card": Workload(
            "`model card churn@v1.0.0` (Markdown) of a model trained by a 4-stage pipeline, in "
            "that registry (kin only: GTO writes no cards)", gen_card_repo,
            ["model", "card", "churn@v1.0.0", "-o", "card.md"], None, setup=card_setup),
    }


if __name__ == "__main__":
    import sys
    gen_registry(sys.argv[1])
