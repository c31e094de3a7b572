// messages.js against verifier/messages.py, the second implementation whose words it uses:
// src/catalogue.js must be what catalogue.py writes from verifier/messages.py today, and
// step(), reason(), term(), times() must give what messages.py's give, on every check name
// and detail of the recorded bundle reports (bundles/reports.json) and on a table of reasons
// and times chosen for the templates' edges. Python runs messages.py by path (standard
// library only): $PYTHON, else python3.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as messages from "../src/messages.js";
import { REPO } from "./vectors.js";

const PYTHON = process.env.PYTHON ?? "python3";
const WEB = join(REPO, "verifier-web");

function python(args, input = undefined) {
  const done = spawnSync(PYTHON, args, { cwd: REPO, input, encoding: "utf8" });
  assert.equal(done.error, undefined, `${PYTHON} did not run: ${done.error}`);
  return done;
}

test("src/catalogue.js is what catalogue.py writes from verifier/messages.py", () => {
  const done = python([join(WEB, "catalogue.py"), "--check"]);
  assert.equal(done.status, 0, done.stderr);
});

// Each call [function, ...arguments] through verifier/messages.py, loaded by path.
const CALL = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("m", "verifier/messages.py")
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
print(json.dumps([getattr(m, f)(*a) for f, *a in json.load(sys.stdin)], ensure_ascii=False))
`;

const CASES = JSON.parse(readFileSync(join(WEB, "test", "bundles", "reports.json"), "utf8"));
const recorded = CASES.flatMap((c) => c.report.checks ?? []);
const REASONS = [
  ...new Set([
    ...recorded.map((c) => c.detail),
    "not checked: it depends on certificates, which failed",
    "leaf 7 (draw.commit by agent): leaf 9: the signature does not verify",
    "leaf 3: 0123456789abcdef… is not registered as centre",
    "names leaf 4 as the draw's previous statement, but the bundle's is leaf 5",
    "seq 9 follows seq 7: 1 statement(s) of the tender are missing",
    "the summary is not what the statements give: summary.state: expected \"drawn\", the bundle has \"voided\"; " +
      "summary.seeds[0].status: expected \"included\", the bundle has none; summary.output: expected null, " +
      "the bundle has \"ab: cd\"; and 2 more",
    "certificate CN=x,O=y does not chain to the anchors at 2026-11-26T08:10:00.000Z: expired: a: b",
    "a reason no template has: 1970-01-01T00:00:00.000Z",
    "",
  ]),
];
const TIMES = [
  ...REASONS,
  "2026-12-31T20:00:00.000Z, x2026-12-31T21:00:00.000Z, 2026-12-31T20:00:00.000Zz, 12026-01-01T00:00:00.000Z",
  "2024-02-28T16:00:00.999Z then 1999-12-31T15:59:59.000Z",
];
const NAMES = [...new Set([...recorded.map((c) => c.name), "chain 3", "newer chain 1", "newer log", "chain", "unknown step"])];
const WORDS = ["drawn", "bidder", "the bundle's own trust anchors", "None", "nothing"];

test("step, reason, term and times give what verifier/messages.py gives", () => {
  const calls = [];
  const ours = [];
  for (const lang of messages.LANGUAGES) {
    const call = (f, ...args) => {
      calls.push([f, ...args]);
      ours.push(messages[f](...args));
    };
    for (const x of NAMES) call("step", lang, x);
    for (const x of REASONS) call("reason", lang, x);
    for (const x of WORDS) call("term", lang, x);
    for (const x of TIMES) call("times", x, lang);
  }
  const done = python(["-c", CALL], JSON.stringify(calls));
  assert.equal(done.status, 0, done.stderr);
  const theirs = JSON.parse(done.stdout);
  assert.equal(theirs.length, calls.length);
  const differ = calls.map((c, i) => [c, ours[i], theirs[i]]).filter(([, x, y]) => x !== y);
  assert.deepEqual(differ, [], "[call, messages.js, messages.py]");
  // The table reaches the Chinese templates, not only the pass-through.
  assert.ok(theirs.some((x) => x.startsWith("摘要与声明推导出的结果不符：")));
});

test("say formats a template in either language, and refuses a text outside the catalogue", () => {
  assert.equal(messages.say("en", messages.EN.CONFIRM, { role: "supervisor", actor: "ab", at: "t", leaf: 3 }), "  confirmed by supervisor ab… at t (leaf 3)");
  assert.throws(() => messages.say("zh", "no such text"), { name: "RangeError", message: 'no Chinese for "no such text"' });
  assert.throws(() => messages.say("en", messages.EN.VOID, {}), { name: "RangeError", message: /^no value for \{role\}/ });
});
