#!/usr/bin/env bash
# Seed the fuzz corpus with every config and resource schema of tests/fixtures/specs.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/schema
python3 - <<'PY'
import json, glob, hashlib
for path in glob.glob('../tests/fixtures/specs/*/*.json'):
    spec = json.load(open(path))
    for key in ('configSchema', 'resourceConfigSchema', 'connectionSpecification'):
        if isinstance(spec.get(key), dict):
            data = json.dumps(spec[key]).encode() + b'\0{}'
            open('corpus/schema/' + hashlib.sha1(data).hexdigest(), 'wb').write(data)
PY
echo "seeded $(ls corpus/schema | wc -l) inputs"
