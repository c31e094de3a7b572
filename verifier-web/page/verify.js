// What the page does with the files a person chose: the part of verifier/cli.py's `draw`
// command that is not the verification itself (reading the files, the anchors, the CRLs, the
// exit-status categories), kept apart from the DOM so the Chromium tests run exactly this.

import { VerifyError } from "../src/errors.js";
import { formatReport, formatUnusable, verifyBundle } from "../src/index.js";

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

/**
 * The lines beacon-verify prints for an outcome (stderr's one line for unusable input), with
 * `--lang lang`, `--utc` if utc (else Beijing time) and `--from source` if the bundle was
 * fetched from a beacon.
 */
export function outcomeLines(outcome, lang, { utc = false, source = null } = {}) {
  if (outcome.kind !== "report") return [formatUnusable(outcome.message, { lang, utc })];
  return formatReport(outcome.report, { lang, utc, source }).split("\n");
}
