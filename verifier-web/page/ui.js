// The verifier page: choose (or drop) the proof bundle, the trust anchors and the CRLs, or
// fetch a draw's bundle from the beacon that serves the page; show beacon-verify's ✓/✗ lines,
// the verdict and the time taken. The same module runs at /verify (inside the board's layout,
// which switches the language by reloading) and in the saved single-file build/verify.html
// (which switches in place and has no beacon to fetch from).

import { chooseLanguage, DEFAULT_LANGUAGE, otherLanguage, text } from "./texts.js";
import { outcomeLines, verifyFiles } from "./verify.js";

/** formatReport's language for a page language. */
export function reportLanguage(lang) {
  return lang === "en" ? "en" : "zh";
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

async function readFile(file) {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/**
 * Mount the page in `root`. root's data attributes, set by the beacon's /verify template:
 *   data-proof-url  the proof URL with DRAW_ID in place of the draw id (absent: no beacon)
 *   data-ca-url     the beacon's CA certificate
 *   data-draw       a draw id to fetch at once (/verify?draw=ID)
 *   data-saved-url  the single-file build, offered for saving
 */
export function mount(root) {
  const site = root.dataset.proofUrl
    ? { proofUrl: root.dataset.proofUrl, caUrl: root.dataset.caUrl ?? null }
    : null;
  const state = {
    lang: site ? document.documentElement.lang || DEFAULT_LANGUAGE : initialLanguage(),
    bundle: null, // {name, bytes, fetched: bool}
    anchors: [],
    crls: [],
    useSiteCa: false,
    utc: false, // the lines' times in canonical UTC (--utc), else in Beijing time
    drawId: root.dataset.draw ?? "",
    busy: "", // "", "fetch" or "verify"
    problem: "", // a message shown above the result (a failed fetch, no bundle chosen)
    outcome: null, // what verifyFiles returned
    savedUrl: null, // an object URL of the fetched bundle, for "save"
  };
  const t = (key, params) => text(state.lang, key, params);

  function setLanguage(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    try {
      localStorage.setItem("tender-beacon-lang", lang);
    } catch {
      // a file:// page may have no storage; the choice then lasts until the page is closed
    }
    render();
  }

  function fileZone(id, legend, hint, { multiple, accept, files, onFiles, onRemove, extra }) {
    const input = h("input", {
      type: "file",
      id: `${id}-input`,
      accept,
      multiple,
      class: "tbv-file",
      onchange: async (e) => onFiles(await Promise.all([...e.target.files].map(readFile))),
    });
    const zone = h(
      "fieldset",
      { id, class: "tbv-zone" },
      h("legend", {}, legend),
      h("p", { class: "tbv-hint" }, hint),
      h(
        "div",
        { class: "tbv-drop" },
        h("span", {}, t("drop"), " "),
        h("label", { class: "tbv-choose", for: input.id }, t("choose")),
        input,
      ),
      h(
        "ul",
        { class: "tbv-chosen", id: `${id}-chosen` },
        files.length === 0
          ? h("li", { class: "tbv-none" }, t("none"))
          : files.map((f, i) =>
              h(
                "li",
                {},
                h("span", { class: "tbv-name" }, f.label ?? f.name),
                " ",
                h("button", { type: "button", class: "tbv-link", onclick: () => onRemove(i) }, t("remove")),
              ),
            ),
      ),
      extra,
    );
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("tbv-over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("tbv-over"));
    zone.addEventListener("drop", async (e) => {
      e.preventDefault();
      zone.classList.remove("tbv-over");
      const dropped = [...(e.dataTransfer?.files ?? [])];
      if (dropped.length) onFiles(await Promise.all((multiple ? dropped : dropped.slice(0, 1)).map(readFile)));
    });
    return zone;
  }

  function fetchRow() {
    if (!site) return null;
    return h(
      "form",
      {
        class: "tbv-fetch",
        onsubmit: (e) => {
          e.preventDefault();
          fetchBundle();
        },
      },
      h("label", { for: "tbv-draw-id" }, t("fetch.label")),
      " ",
      h("input", {
        id: "tbv-draw-id",
        type: "text",
        value: state.drawId,
        spellcheck: "false",
        autocomplete: "off",
        oninput: (e) => {
          state.drawId = e.target.value;
        },
      }),
      " ",
      h("button", { type: "submit", id: "tbv-fetch", disabled: state.busy !== "" }, t("fetch.button")),
      state.savedUrl && state.bundle?.fetched
        ? h("a", { id: "tbv-save", href: state.savedUrl, download: state.bundle.name }, t("fetch.save"))
        : null,
    );
  }

  function siteCaRow() {
    if (!site?.caUrl) return null;
    return h(
      "div",
      { class: "tbv-site-ca" },
      h(
        "label",
        {},
        h("input", {
          type: "checkbox",
          id: "tbv-site-ca",
          checked: state.useSiteCa,
          onchange: (e) => {
            state.useSiteCa = e.target.checked;
          },
        }),
        " ",
        t("anchors.site"),
      ),
      h("p", { class: "tbv-hint" }, t("anchors.site_note")),
    );
  }

  function resultSection() {
    const out = state.outcome;
    if (!out && !state.problem && state.busy !== "verify") return null;
    const children = [h("h2", { id: "tbv-result-heading" }, t("result.heading"))];
    if (state.problem) children.push(h("p", { id: "tbv-problem", class: "tbv-verdict tbv-bad" }, state.problem));
    if (state.busy === "verify") children.push(h("p", { class: "tbv-running" }, t("verify.running")));
    if (out && state.busy !== "verify") {
      const verdict = out.kind === "report" ? out.report.verdict : "unusable";
      const banner =
        out.kind === "crash" ? t("error.unexpected", { why: out.message }) : t(`verdict.${verdict}`);
      children.push(
        h("p", { id: "tbv-verdict", class: `tbv-verdict tbv-${verdict}`, "data-verdict": verdict }, banner),
        h(
          "pre",
          { id: "tbv-lines", class: "tbv-lines" },
          outcomeLines(out, reportLanguage(state.lang), { utc: state.utc, source: state.bundle?.source }).map((line, i, all) =>
            h("span", { class: lineClass(line, i === all.length - 1) }, line, "\n"),
          ),
        ),
        h(
          "label",
          { class: "tbv-utc" },
          h("input", {
            type: "checkbox",
            id: "tbv-utc",
            checked: state.utc,
            onchange: (e) => {
              state.utc = e.target.checked;
              render();
            },
          }),
          " ",
          t("result.utc"),
        ),
        h(
          "p",
          { id: "tbv-took", class: "tbv-took", "data-ms": out.ms.toFixed(1) },
          t("result.took", { ms: Math.round(out.ms).toLocaleString(state.lang) }),
        ),
      );
    }
    return h("section", { class: "tbv-result", "aria-labelledby": "tbv-result-heading", "aria-live": "polite" }, children);
  }

  function render() {
    const standalone = !site;
    root.replaceChildren(
      h(
        "div",
        { class: "tbv" },
        standalone
          ? h(
              "div",
              { class: "tbv-top" },
              h("h1", {}, t("title")),
              h(
                "button",
                {
                  type: "button",
                  id: "tbv-lang",
                  class: "tbv-lang",
                  lang: otherLanguage(state.lang),
                  title: t("lang.switch"),
                  onclick: () => setLanguage(otherLanguage(state.lang)),
                },
                text(otherLanguage(state.lang), "lang.name"),
              ),
            )
          : h("h1", {}, t("title")),
        h("p", { class: "tbv-lead" }, t("intro")),
        standalone ? h("p", { class: "tbv-lead" }, t("offline")) : null,
        root.dataset.savedUrl
          ? h("p", {}, h("a", { id: "tbv-saved", href: root.dataset.savedUrl, download: "tender-beacon-verify.html" }, t("save_page")))
          : null,
        h(
          "form",
          {
            id: "tbv-form",
            class: "tbv-form",
            onsubmit: (e) => {
              e.preventDefault();
              run();
            },
          },
          fileZone("tbv-bundle", t("bundle.legend"), t("bundle.hint"), {
            multiple: false,
            accept: ".json,application/json",
            files: state.bundle ? [state.bundle] : [],
            onFiles: ([file]) => {
              state.bundle = { ...file, fetched: false };
              state.outcome = null;
              render();
            },
            onRemove: () => {
              state.bundle = null;
              render();
            },
          }),
          fileZone("tbv-anchors", t("anchors.legend"), t("anchors.hint"), {
            multiple: true,
            accept: ".pem,.crt,.cer,application/x-pem-file",
            files: state.anchors,
            onFiles: (files) => {
              state.anchors.push(...files);
              render();
            },
            onRemove: (i) => {
              state.anchors.splice(i, 1);
              render();
            },
            extra: siteCaRow(),
          }),
          fileZone("tbv-crls", t("crl.legend"), t("crl.hint"), {
            multiple: true,
            accept: ".crl,.pem,.der",
            files: state.crls,
            onFiles: (files) => {
              state.crls.push(...files);
              render();
            },
            onRemove: (i) => {
              state.crls.splice(i, 1);
              render();
            },
          }),
          h("p", {}, h("button", { type: "submit", id: "tbv-verify", class: "tbv-primary", disabled: state.busy !== "" }, t("verify.button"))),
        ),
        resultSection(),
      ),
    );
    // The fetch row sits in the bundle's fieldset, under its file chooser.
    const row = fetchRow();
    if (row) root.querySelector("#tbv-bundle").append(row);
  }

  async function fetchText(url, what) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json, application/x-pem-file, */*" } });
    } catch (e) {
      throw new Error(t("fetch.failed", { what, why: e.message }));
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) {
      let why = `${response.status} ${response.statusText}`;
      try {
        const problem = JSON.parse(new TextDecoder().decode(bytes));
        if (problem?.detail) why += `: ${problem.detail}`;
      } catch {
        // not problem+json: the status says it
      }
      throw new Error(t("fetch.failed", { what, why }));
    }
    return bytes;
  }

  async function fetchBundle() {
    const id = state.drawId.trim();
    if (!id) return;
    state.busy = "fetch";
    state.problem = "";
    render();
    try {
      const url = site.proofUrl.replace("DRAW_ID", encodeURIComponent(id));
      const bytes = await fetchText(url, url);
      if (state.savedUrl) URL.revokeObjectURL(state.savedUrl);
      state.savedUrl = URL.createObjectURL(new Blob([bytes], { type: "application/json" }));
      // beacon-verify --from names the beacon's /ca.pem in its guidance: this beacon's.
      const ca = new URL(site.caUrl ?? "/ca.pem", location.href).href;
      const source = ca.endsWith("/ca.pem") ? ca.slice(0, -"/ca.pem".length) : location.origin;
      const name = `${id}-proof.json`;
      state.bundle = { name, label: t("fetch.from_site", { name }), bytes, fetched: true, source };
      state.outcome = null;
    } catch (e) {
      state.problem = e.message;
    } finally {
      state.busy = "";
      render();
    }
  }

  async function run() {
    state.problem = "";
    if (!state.bundle) {
      state.problem = t("verify.need_bundle");
      state.outcome = null;
      render();
      return;
    }
    state.busy = "verify";
    render();
    try {
      const anchors = [...state.anchors];
      if (state.useSiteCa && site?.caUrl) anchors.push({ name: site.caUrl, bytes: await fetchText(site.caUrl, site.caUrl) });
      // Let the browser paint "Verifying…" before the work starts.
      await new Promise((resolve) => setTimeout(resolve, 0));
      state.outcome = await verifyFiles({ bundle: state.bundle, anchors, crls: state.crls });
    } catch (e) {
      state.problem = e.message;
      state.outcome = null;
    } finally {
      state.busy = "";
      render();
      // The result is below the form: bring it into view.
      root.querySelector(".tbv-result")?.scrollIntoView({ block: "start" });
    }
  }

  // Dropping a file outside a zone must not navigate away from the page (and lose the state).
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  if (!site) document.documentElement.lang = state.lang;
  render();
  if (site && state.drawId) fetchBundle();
}

function lineClass(line, last) {
  if (last) return "tbv-final";
  if (line.startsWith("✓")) return "tbv-ok";
  if (line.startsWith("✗")) return "tbv-fail";
  return "tbv-info";
}

function initialLanguage() {
  const asked = chooseLanguage(new URLSearchParams(location.search).get("lang"));
  if (asked) return asked;
  try {
    return chooseLanguage(localStorage.getItem("tender-beacon-lang")) ?? DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}
