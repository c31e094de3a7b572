// Build the browser verifier (issue 12 item 10) from src/ (the verifier) and page/ (the page):
//
//   ../beacon/web/static/verify/verify.js, verify.css   what the beacon serves at /verify
//   ../beacon/web/static/verify/tender-beacon-verify.html  the single file, offered there for saving
//   ../build/verify.html                                   the same single file: script and style
//                                                          inline, a CSP that allows no network
//
// Usage: node build.mjs (make web runs it after npm ci). esbuild bundles the ES modules and the
// npm runtime dependencies into one script; nothing is minified, so a bidder can read what runs.

import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const SERVED = join(ROOT, "beacon", "web", "static", "verify");
const SAVED = join(ROOT, "build", "verify.html");
const SAVED_NAME = "tender-beacon-verify.html";

// Chromium, Firefox, Safari and Edge of 2021 on: BigInt, WebCrypto, async/await, optional chaining.
const TARGET = ["es2022", "chrome98", "firefox96", "safari15.4", "edge98"];

async function bundleScript() {
  const result = await esbuild.build({
    entryPoints: [join(HERE, "page", "main.js")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: TARGET,
    minify: false,
    legalComments: "inline",
    charset: "utf8",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

function cspHash(text) {
  return `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`;
}

/** `template` with each @NAME@ replaced by values[NAME], every placeholder filled once. */
function fill(template, values) {
  let out = template;
  for (const [name, value] of Object.entries(values)) {
    const marker = `@${name}@`;
    if (out.split(marker).length !== 2) throw new Error(`page/verify.html: ${marker} must appear once`);
    out = out.split(marker).join(value);
  }
  return out;
}

async function main() {
  const script = await bundleScript();
  const style = await readFile(join(HERE, "page", "verify.css"), "utf8");
  const shell = await readFile(join(HERE, "page", "shell.css"), "utf8");
  const pkg = JSON.parse(await readFile(join(HERE, "package.json"), "utf8"));
  // Inline, "</script" or "</style" would end the element early (esbuild escapes it in strings).
  if (/<\/script/i.test(script)) throw new Error("the bundle contains </script: it cannot be inlined");
  const inlineStyle = `${shell}\n${style}`;
  if (/<\/style/i.test(inlineStyle)) throw new Error("the style sheets contain </style");
  const single = fill(await readFile(join(HERE, "page", "verify.html"), "utf8"), {
    SCRIPT_HASH: cspHash(script),
    STYLE_HASH: cspHash(inlineStyle),
    VERSION: pkg.version,
    STYLE: inlineStyle,
    SCRIPT: script, // last: its text is not searched for markers
  });
  await mkdir(SERVED, { recursive: true });
  await mkdir(dirname(SAVED), { recursive: true });
  await Promise.all([
    writeFile(join(SERVED, "verify.js"), script),
    writeFile(join(SERVED, "verify.css"), style),
    writeFile(join(SERVED, SAVED_NAME), single),
    writeFile(SAVED, single),
  ]);
  const kib = (s) => `${(Buffer.byteLength(s) / 1024).toFixed(0)} KiB`;
  console.log(`built ${SAVED} (${kib(single)}) and ${SERVED}/ (verify.js ${kib(script)})`);
}

main().catch((e) => {
  console.error(`build.mjs: ${e.message}`);
  process.exit(1);
});
