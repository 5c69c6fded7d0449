#!/usr/bin/env python3
"""Every ctest has a label, and every test that runs a program built here
(a unit test's executable, not a script) has a label the sanitizer pass
reruns (unit, integration or lab: tests/run.sh runs ctest -L
'unit|integration|lab' in build-san), so that ASan and UBSan see every
unit test.  Fuzz harnesses are exempt: they are ASan builds of their own.

  labels.py CTEST BUILD_DIR"""
import json
import re
import subprocess
import sys

ctest, build = sys.argv[1], sys.argv[2]
out = subprocess.run([ctest, '-N', '--show-only=json-v1'], cwd=build,
                     check=True, capture_output=True, text=True).stdout
bad = 0
tests = json.loads(out)['tests']
for t in tests:
    labels = []
    for p in t.get('properties', []):
        if p['name'] == 'LABELS':
            labels = p['value']
    cmd = t.get('command', [''])
    if not labels:
        print(f'{t["name"]}: no label')
        bad += 1
        continue
    if 'fuzz' in labels:
        continue
    built = cmd and cmd[0].startswith(build + '/')
    if built and not any(re.search('unit|integration|lab', l) for l in labels):
        print(f'{t["name"]}: runs {cmd[0]} but its labels {labels} '
              "are not rerun by the sanitizer pass")
        bad += 1
print(f'{len(tests)} tests, {bad} without a proper label')
sys.exit(1 if bad else 0)
