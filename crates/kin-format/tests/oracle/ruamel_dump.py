"""Dumps documents with ruamel.yaml exactly as DVC 3 writes dvc.lock and .dvc files.

Reads one JSON object per line on stdin, each {"doc": ...}, and prints one JSON list with
the YAML text of every document, in order. JSON cannot say "float" or "date" unambiguously,
so those come wrapped: {"__float__": "<Rust {:?} of the f64>"} and {"__date__": "YYYY-MM-DD"};
a mapping with keys that are not strings comes as {"__map__": [[key, value], ...]}.
"""

import datetime
import io
import json
import sys
from collections import OrderedDict

from ruamel.yaml import YAML


def dvc_yaml():
    # Mirrors dvc.utils.serialize._yaml._get_yaml.
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.Representer.add_representer(OrderedDict, yaml.Representer.represent_dict)
    return yaml


def decode(value):
    if isinstance(value, dict):
        if len(value) == 1 and "__float__" in value:
            return float(value["__float__"])
        if len(value) == 1 and "__date__" in value:
            return datetime.date.fromisoformat(value["__date__"])
        if len(value) == 1 and "__map__" in value:
            return OrderedDict((decode(key), decode(item)) for key, item in value["__map__"])
        return OrderedDict((key, decode(item)) for key, item in value.items())
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def main():
    out = []
    for line in sys.stdin:
        if not line.strip():
            continue
        stream = io.StringIO()
        # A fresh dumper per document, as DVC creates one per dump.
        dvc_yaml().dump(decode(json.loads(line)["doc"]), stream)
        out.append(stream.getvalue())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
