// Mirrors verifier/report.py: what a verification found: named checks, each passed or
// failed with its reason, in the order they ran, and the values worth showing.

import { VerifyError } from "./errors.js";

export class Report {
  constructor({ unanchored = "" } = {}) {
    this.checks = [];
    this.values = {};
    // What the certificates were checked against when it was not trust the user gave
    // (anchors): then every check may pass, but the verdict is not VALID (§14).
    this.unanchored = unanchored;
  }

  get valid() {
    return this.checks.length > 0 && this.checks.every((c) => c.ok);
  }

  failed() {
    return this.checks.filter((c) => !c.ok).map((c) => c.name);
  }

  /** Run one check: it returns (a promise of) a detail, or throws VerifyError with the reason. */
  async run(name, check) {
    try {
      this.checks.push({ name, ok: true, detail: await check() });
    } catch (e) {
      if (!(e instanceof VerifyError)) throw e;
      this.checks.push({ name, ok: false, detail: e.message });
    }
    return this.checks[this.checks.length - 1].ok;
  }

  fail(name, reason) {
    this.checks.push({ name, ok: false, detail: reason });
  }

  /** ``VALID``, ``INVALID``, or ``VALID-UNANCHORED`` when trust came from the document. */
  get verdict() {
    if (!this.valid) return "INVALID";
    return this.unanchored ? "VALID-UNANCHORED" : "VALID";
  }

  toJson() {
    return {
      valid: this.valid,
      verdict: this.verdict,
      anchored: !this.unanchored,
      checks: this.checks.map(({ name, ok, detail }) => ({ name, ok, detail })),
      values: this.values,
    };
  }

  lines() {
    const out = this.checks.map((c) => `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
    if (this.valid && this.unanchored) {
      return [
        ...out,
        `VALID against ${this.unanchored} only, which anyone can write: ` +
          "not a verdict (pass --anchors CA.pem with the CA certificate you trust)",
      ];
    }
    return [...out, this.valid ? "VALID" : "INVALID"];
  }
}
