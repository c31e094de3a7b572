// What the page does with the files a person chose: the part of verifier/cli.py's `draw`
// command that is not the verification itself (reading the files, the anchors, the CRLs, the
// exit-status categories), kept apart from the DOM so the Chromium tests run exactly this.

import { VerifyError } from "../src/errors.js";
import { formatReport, verifyBundle } from "../src/index.js";

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The bundle's bytes as text. Bytes that are not UTF-8 are unusable input, as for
 * beacon-verify, whose json.loads refuses them ("not JSON: 'utf-8' codec can't decode ...").
 */
export function decode(bytes, name) {
  try {
    return UTF8.decode(bytes); // strips a UTF-8 BOM, as json.loads(bytes) does
  } catch {
    throw new UnusableInput(`${name}: not JSON: not UTF-8 text`);
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
export async function verifyFiles({ bundle, anchors = [], crls = [] }) {
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  try {
    const bundleText = decode(bundle.bytes, bundle.name);
    const report = await verifyBundle(bundleText, {
      anchorsPem: anchors.map((a) => ({ name: a.name, data: a.bytes })),
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
