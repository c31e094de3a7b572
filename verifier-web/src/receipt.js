// Mirrors verifier/receipt.py: statement receipts (PROTOCOL.md §6.6) and the consistency
// of two tree heads (§7.4).

import * as enc from "./encoding.js";
import { CheckFailed, ParseError, VerifyError } from "./errors.js";
import * as identity from "./identity.js";
import * as merkle from "./merkle.js";
import { TreeHead } from "./merkle.js";
import * as pulse from "./pulse.js";
import * as records from "./records.js";
import { Report } from "./report.js";

export const FORMAT = "tender-beacon/v2/receipt";
const MEMBERS = ["format", "statement_hash", "leaf_index", "entry", "tree_head", "inclusion", "pulse", "beacon_certificate"];

/**
 * Verify a receipt (§6.6); with ``newer``, another receipt and the consistency of their
 * heads (§7.4). Without ``anchors`` the certificates are the receipt's own, and the report
 * says so (``report.unanchored``).
 */
export async function verifyReceipt(doc, { anchors = null, newer = null, consistency = null, crls = [] } = {}) {
  const report = new Report({ unanchored: anchors !== null ? "" : "the receipt's own certificates" });
  const trust = anchors === null ? null : [[...anchors], [...crls]];
  const old = await receipt(doc, report, trust, "");
  if (newer !== null) {
    const neu = await receipt(newer, report, trust, "newer ");
    if (old === null || neu === null) report.fail("consistency", "a receipt did not parse");
    else await report.run("consistency", () => consistent(old, neu, consistency));
  }
  return report;
}

async function receipt(doc, report, trust, label) {
  const name = `${label}receipt`;
  let digest, leaf, entry, head, path, signed, cert, link, statement;
  try {
    const r = enc.members(doc, name, MEMBERS);
    if (r.format !== FORMAT) throw new ParseError(`${name}.format`, `not ${FORMAT}`);
    digest = enc.hexbytes(r.statement_hash, `${name}.statement_hash`, 32);
    leaf = enc.integer(r.leaf_index, `${name}.leaf_index`);
    entry = enc.hexbytes(r.entry, `${name}.entry`);
    head = TreeHead.fromJson(r.tree_head, `${name}.tree_head`);
    path = merkle.proof(r.inclusion, `${name}.inclusion`);
    signed = r.pulse !== null ? pulse.Pulse.fromJson(r.pulse, `${name}.pulse`) : null;
    cert = signed !== null ? enc.b64(r.beacon_certificate, `${name}.beacon_certificate`) : null;
    if ((cert === null) !== (r.beacon_certificate === null)) {
      throw new ParseError(`${name}.beacon_certificate`, "present exactly when the pulse is");
    }
    [link, statement] = records.decodeLogEntry(entry);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    report.fail(`${label}format`, e.message);
    return null;
  }

  const checkStatement = async () => {
    const hash = await statement.hash();
    if (!enc.bytesEqual(hash, digest)) {
      throw new CheckFailed(`the entry's statement hash is ${enc.toHex(hash)}, not ${enc.toHex(digest)}`);
    }
    await identity.verifyStatement(statement);
    const scope = `${statement.tenderId}/${statement.subject || "-"}`;
    const what =
      `${statement.kind} by ${statement.role} ${enc.toHex(statement.actor).slice(0, 12)}…, signature ` +
      `verifies; entry ${link.seq} of scope ${scope}`;
    if (trust === null) return what;
    const profile = statement.role === "beacon" ? "beacon" : "party";
    await identity.validateChain(statement.certificate, statement.chain, trust[0], statement.issuedAt, {
      profile,
      crls: trust[1],
    });
    return `${what}; its certificate chains to the anchors at its issued_at`;
  };

  const checkInclusion = async () => {
    await merkle.verifyInclusion(leaf, await merkle.leafHash(entry), path, head);
    return `leaf ${leaf} in tree ${head.treeSize}`;
  };

  const checkPulse = async () => {
    if (signed === null || cert === null) {
      throw new CheckFailed(
        "no pulse yet: the receipt proves only what the service said; fetch it again after the next pulse",
      );
    }
    await pulse.verify(signed, new Map([[enc.toHex(await enc.sha512(cert)), cert]]));
    await pulse.commits(signed, head);
    const what = `${signed.name()} at ${enc.formatTime(signed.timeMs)} commits the tree head`;
    if (trust === null) return `${what}; its certificate is the receipt's own (pass --anchors to check it)`;
    await identity.validateChain(cert, [], trust[0], signed.timeMs, { profile: "beacon", crls: trust[1] });
    return `${what}; its certificate is the beacon's and chains to the anchors`;
  };

  await report.run(`${label}statement`, checkStatement);
  await report.run(`${label}inclusion`, checkInclusion);
  await report.run(`${label}pulse`, checkPulse);
  return head;
}

async function consistent(old, neu, doc) {
  if (old.treeSize == neu.treeSize) {
    await merkle.verifyConsistency(old, neu, []);
    return `both receipts name tree ${old.treeSize} with the same root`;
  }
  if (doc === null) {
    throw new CheckFailed(
      `trees ${old.treeSize} and ${neu.treeSize} need a consistency proof: --consistency FILE or --from URL`,
    );
  }
  const p = enc.members(doc, "consistency", ["tree_head_1", "tree_head_2", "proof"]);
  const first = TreeHead.fromJson(p.tree_head_1, "tree_head_1");
  const second = TreeHead.fromJson(p.tree_head_2, "tree_head_2");
  const same = (a, b) => a.treeSize == b.treeSize && enc.bytesEqual(a.rootHash, b.rootHash);
  if (!same(first, old) || !same(second, neu)) {
    throw new CheckFailed("the consistency proof is for other tree heads than the receipts'");
  }
  await merkle.verifyConsistency(old, neu, merkle.proof(p.proof, "consistency.proof"));
  return `tree ${old.treeSize} is a prefix of tree ${neu.treeSize}`;
}
