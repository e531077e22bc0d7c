"""Emits one Airflow-like run to `kin serve` with the real OpenLineage client: START, then
COMPLETE, reading a bucket's file and writing `data/raw/orders.csv` in kin's namespace
(`shop`). KIN_URL is the server, KIN_TOKEN its bearer token."""

import os
import sys
import uuid
from datetime import datetime, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

PRODUCER = "https://example.invalid/kin-tests/emit_run"

transport = HttpTransport(HttpConfig(
    url=os.environ["KIN_URL"],
    auth=ApiKeyTokenProvider({"apiKey": os.environ["KIN_TOKEN"]}),
    retry={"total": 0},
))
client = OpenLineageClient(transport=transport)
run = Run(runId=str(uuid.uuid4()))
job = Job(namespace="airflow", name="extract_orders")
inputs = [InputDataset(namespace="s3://raw-bucket", name="orders/2026-12-01.json")]
outputs = [OutputDataset(namespace="shop", name="data/raw/orders.csv")]

for state, with_outputs in [(RunState.START, False), (RunState.COMPLETE, True)]:
    client.emit(RunEvent(
        eventType=state,
        eventTime=datetime.now(timezone.utc).isoformat(),
        run=run,
        job=job,
        producer=PRODUCER,
        inputs=inputs,
        outputs=outputs if with_outputs else [],
    ))
print(run.runId, file=sys.stderr)
