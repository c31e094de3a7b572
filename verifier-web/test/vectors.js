// The repository's vectors (tests/vectors/<area>/<case>.json), read at test time: the
// expected values come from those files, which the Python generators wrote and
// verifier/ (a second implementation) checks.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseJson } from "../src/encoding.js";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const VECTORS = join(REPO, "tests", "vectors");

/** [[case name, parsed vector], ...] of one area, sorted by file name. */
export function vectors(area) {
  return readdirSync(join(VECTORS, area))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => [f.slice(0, -5), parseJson(readFileSync(join(VECTORS, area, f), "utf8"))]);
}
