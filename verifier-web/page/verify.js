// What the page does with the files a person chose: the part of verifier/cli.py's `draw`
// command that is not the verification itself (reading the files, the anchors, the CRLs, the
// exit-status categories), kept apart from the DOM so the Chromium tests run exactly this.

import { VerifyError } from "../src/errors.js";
import { formatReport, verifyBundle } from "../src/index.js";

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** A file's bytes as text, failing like beacon-verify on bytes that are not UTF-8. */
export function decode(bytes, name, { notUtf8 }) {
  try {
    return UTF8.decode(bytes); // strips a UTF-8 BOM, as json.loads(bytes) does
  } catch {
    throw new UnusableInput(notUtf8(name));
  }
}

/** Input beacon-verify refuses with exit status 2 ("unusable input"), before any check. */
export class UnusableInput extends Error {}

/**
 * Verify one bundle as `beacon-verify draw BUNDLE [--anchors ...] [--crl ...]` does.
 *
 * bundle: {name, bytes}; anchors, crls: [{name, bytes}]. Returns
 *   {kind: "report", report, ms}     a report (exit status 0, 1 or 3),
 *   {kind: "unusable", message, ms}  unusable input (exit status 2),
 *   {kind: "crash", message, ms}     an error that is not the verifier's own: a bug.
 * `ms` is the time verifyBundle took, by performance.now().
 */
export async function verifyFiles({ bundle, anchors = [], crls = [] }, { notUtf8 }) {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  try {
    const bundleText = decode(bundle.bytes, bundle.name, { notUtf8 });
    const anchorsPem = anchors.map((a) => ({ name: a.name, text: decode(a.bytes, a.name, { notUtf8 }) }));
    const report = await verifyBundle(bundleText, {
      anchorsPem,
      crls: crls.map((c) => ({ name: c.name, data: c.bytes })),
      name: bundle.name,
    });
    return { kind: "report", report, ms: elapsed() };
  } catch (e) {
    if (e instanceof VerifyError || e instanceof UnusableInput) {
      return { kind: "unusable", message: e.message, ms: elapsed() };
    }
    return { kind: "crash", message: `${e?.name ?? "Error"}: ${e?.message ?? e}`, ms: elapsed() };
  }
}

/** The lines beacon-verify prints for an outcome (stderr's one line for unusable input). */
export function outcomeLines(outcome, lang) {
  if (outcome.kind !== "report") return [`beacon-verify: unusable input: ${outcome.message}`];
  try {
    return formatReport(outcome.report, { lang }).split("\n");
  } catch (e) {
    // beacon-verify prints English where it has no messages in the language asked for.
    if (!(e instanceof RangeError) || lang === "en") throw e;
    return formatReport(outcome.report, { lang: "en" }).split("\n");
  }
}
