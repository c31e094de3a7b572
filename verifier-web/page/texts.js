// Every label of the verifier page, in simplified Chinese (the default, as on the board) and
// English. The page holds no literal text: each visible label is text(lang, key). The check
// lines and the verdict line come from formatReport, exactly as beacon-verify prints them.

export const LANGUAGES = ["zh-CN", "en"];
export const DEFAULT_LANGUAGE = "zh-CN";

const TABLE = {
  "lang.name": ["中文", "English"],
  "lang.switch": ["切换语言", "Switch language"],
  title: ["在浏览器中复核抽取", "Verify a draw in your browser"],
  intro: [
    "本页面在您的浏览器中独立复核一次抽取的证明文件（PROTOCOL.md §14），检查项目与独立验证程序 beacon-verify 相同，逐项显示同样的 ✓/✗ 结果。您选择的文件不会上传到任何地方。",
    "This page rechecks a draw's proof bundle entirely in your browser (PROTOCOL.md §14): the same checks as the independent verifier beacon-verify, with the same ✓/✗ lines. Nothing you choose is uploaded anywhere.",
  ],
  offline: [
    "本文件可以保存到自己的电脑上，断网后用浏览器直接打开即可使用：它不访问任何网络。",
    "You can save this file on your own computer and open it from disk without a network: it makes no network access at all.",
  ],
  "save_page": [
    "保存本验证器（单个 HTML 文件，可离线使用）",
    "Save this verifier as one HTML file (works offline)",
  ],
  "bundle.legend": ["1. 证明文件", "1. Proof bundle"],
  "bundle.hint": [
    "即抽取页面上“下载证明文件”得到的 …-proof.json。",
    "The …-proof.json that the draw's page offers as “Download the proof”.",
  ],
  "anchors.legend": ["2. 信任锚：平台 CA 证书（PEM）", "2. Trust anchor: the platform CA certificate (PEM)"],
  "anchors.hint": [
    "请使用您从 CA 机构获得的根证书。不提供时，只能对照证明文件自带的证书检查，任何人都可以伪造这些证书，因此结论不会是 VALID。",
    "Use the root certificate you got from the CA itself. Without one, certificates are checked only against those the bundle carries, which anyone can write, so the result is never VALID.",
  ],
  "anchors.site": ["使用本站提供的 CA 证书（/ca.pem）", "Use this beacon's CA certificate (/ca.pem)"],
  "anchors.site_note": [
    "本站提供的证书只和本站一样可信；从 CA 机构自行获取的证书更好。",
    "A certificate served by this site is only as trustworthy as the site; one you got from the CA itself is better.",
  ],
  "crl.legend": ["3. 证书吊销列表（CRL，可选）", "3. Certificate revocation lists (CRL, optional)"],
  "crl.hint": [
    "DER 或 PEM 格式，可以选择多个：签名时已被吊销的证书检查不通过。",
    "DER or PEM, several allowed: a certificate revoked when it signed fails its check.",
  ],
  drop: ["将文件拖放到此处，或", "Drop files here, or"],
  choose: ["选择文件", "choose a file"],
  none: ["未选择", "none chosen"],
  remove: ["移除", "Remove"],
  "fetch.label": ["或从本站获取，抽取编号：", "or fetch it from this beacon, draw id:"],
  "fetch.button": ["获取", "Fetch"],
  "fetch.fetching": ["正在获取…", "Fetching…"],
  "fetch.failed": ["无法获取 {what}：{why}", "Could not fetch {what}: {why}"],
  "fetch.from_site": ["{name}（从本站获取）", "{name} (fetched from this beacon)"],
  "fetch.save": ["保存证明文件", "Save the bundle"],
  "verify.button": ["验证", "Verify"],
  "verify.running": ["正在验证…", "Verifying…"],
  "verify.need_bundle": ["请先选择或获取证明文件。", "Choose or fetch a proof bundle first."],
  "result.heading": ["验证结果", "Result"],
  "result.utc": ["以规范 UTC 时间显示（同 beacon-verify --utc）", "Show times in canonical UTC (as beacon-verify --utc)"],
  "result.took": ["在本浏览器中用时 {ms} 毫秒", "took {ms} ms in this browser"],
  "verdict.VALID": [
    "VALID 有效：所有检查均通过，证书链到您提供的信任锚。",
    "VALID: every check passed, and the certificates chain to the trust anchors you gave.",
  ],
  "verdict.INVALID": ["INVALID 无效：至少一项检查未通过（见 ✗ 行）。", "INVALID: a check failed (see the ✗ lines)."],
  "verdict.VALID-UNANCHORED": [
    "仅对照证明文件自带的证书通过：这不是结论。请提供平台 CA 证书后重新验证。",
    "Passed only against the bundle's own certificates: not a verdict. Give the platform CA certificate and verify again.",
  ],
  "verdict.unusable": ["无法使用的输入", "Unusable input"],
  "error.unexpected": [
    "验证程序内部错误（请报告此问题）：{why}",
    "The verifier itself failed (please report this): {why}",
  ],
};

for (const [key, row] of Object.entries(TABLE)) {
  if (row.length !== LANGUAGES.length) throw new Error(`texts.js: ${key} lacks a language`);
}

/** The label `key` in `lang`, with `{name}` fields filled from `params`. */
export function text(lang, key, params = {}) {
  const row = TABLE[key];
  if (row === undefined) throw new Error(`texts.js: no label ${key}`);
  const column = Math.max(LANGUAGES.indexOf(lang), 0);
  return row[column].replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** The language of `?lang=` (board spellings: zh, zh-cn, zh-hans, en, en-us), else null. */
export function chooseLanguage(asked) {
  const aliases = { "zh-cn": "zh-CN", zh: "zh-CN", "zh-hans": "zh-CN", en: "en", "en-us": "en" };
  return aliases[(asked ?? "").toLowerCase()] ?? null;
}

export function otherLanguage(lang) {
  return lang === "en" ? "zh-CN" : "en";
}
