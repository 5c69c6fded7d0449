#!/bin/bash
# The shipped Prometheus alert rules: `promtool check rules`, then
# `promtool test rules` on their unit tests, then two properties of the
# tests themselves, so that a test that cannot fail is caught:
#  - every alert has at least one evaluation where it fires and one where
#    it does not;
#  - for every alert, its firing evaluations (alone) fail against a copy of the
#    rules where that alert never fires, and its not-firing evaluations
#    fail against a copy where it always fires (the mutants).
#
# Usage: rules.sh RULES_FILE TEST_FILE
set -euo pipefail

rules=$(readlink -f "${1:?usage: rules.sh RULES_FILE TEST_FILE}")
tests=$(readlink -f "${2:?usage: rules.sh RULES_FILE TEST_FILE}")
command -v promtool >/dev/null || { echo "SKIP: promtool missing (package prometheus)"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing"; exit 77; }
tmp=$(mktemp -d /tmp/anycastd-rules.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "== promtool check rules $(basename "$rules")"
promtool check rules "$rules"
echo "== promtool test rules $(basename "$tests")"
(cd "$(dirname "$tests")" && promtool test rules "$(basename "$tests")")

echo "== every alert fires and stays quiet in a test; each test bites its mutant"
python3 - "$rules" "$tests" "$tmp" <<'PY'
import copy, os, subprocess, sys, yaml

rules_path, tests_path, tmp = sys.argv[1:4]
rules = yaml.safe_load(open(rules_path))
tests = yaml.safe_load(open(tests_path))
alerts = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]

def promtool_test(rule_doc, test_doc, tag):
    rp = os.path.join(tmp, tag + ".rules.yml")
    tp = os.path.join(tmp, tag + ".test.yml")
    yaml.safe_dump(rule_doc, open(rp, "w"))
    t = copy.deepcopy(test_doc)
    t["rule_files"] = [rp]
    yaml.safe_dump(t, open(tp, "w"))
    p = subprocess.run(["promtool", "test", "rules", tp], text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout

def only(kind, name):
    """The tests reduced to the evaluations of alert NAME that fire
    (kind "fire") or stay quiet (kind "quiet")."""
    t = copy.deepcopy(tests)
    keep = []
    for case in t["tests"]:
        evs = [e for e in case.get("alert_rule_test", [])
               if e["alertname"] == name and bool(e.get("exp_alerts")) == (kind == "fire")]
        if evs:
            case["alert_rule_test"] = evs
            case.pop("promql_expr_test", None)
            keep.append(case)
    t["tests"] = keep
    return t, sum(len(c["alert_rule_test"]) for c in keep)

def mutant(name, expr):
    r = copy.deepcopy(rules)
    for g in r["groups"]:
        for rule in g["rules"]:
            if rule.get("alert") == name:
                rule["expr"] = expr
                rule.pop("for", None)
    return r

fails = 0
for name in alerts:
    for kind, expr, what in (("fire", "vector(1) < 0", "never fires"),
                             ("quiet", "vector(1)", "always fires")):
        t, n = only(kind, name)
        if n == 0:
            print("FAIL: %s has no evaluation where it %s" %
                  (name, "fires" if kind == "fire" else "stays quiet"))
            fails += 1
            continue
        # Evaluations are independent of each other, so a subset of the
        # passing tests passes on the real rules; the mutant must fail,
        # and on this alert's evaluations (not on, say, a YAML error).
        rc, out = promtool_test(mutant(name, expr), t, "mutant")
        if rc == 0 or ("alertname: %s," % name) not in out:
            print("FAIL: %s: %d %s evaluation(s) pass although the alert %s" %
                  (name, n, kind, what))
            print(out)
            fails += 1
        else:
            print("   ok: %-24s %d %s evaluation(s), caught the mutant that %s" %
                  (name, n, "firing" if kind == "fire" else "quiet", what))
print("   %d alerts, %d failure(s)" % (len(alerts), fails))
sys.exit(1 if fails else 0)
PY
echo "OK: $(basename "$rules"): checked, tested, every alert's tests bite"
