// Verifies a record's audit trail in the browser, trusting nothing but the log's public key:
// the checkpoint's Ed25519 signature, every entry's inclusion proof (RFC 9162 §2.1.3.2), every
// entry's P-256 signature and signer, and a consistency proof (RFC 9162 §2.1.4.2) from the last
// checkpoint this browser verified for the log, kept per log in localStorage. A log that cannot
// prove it only grew since then was rewritten or forked, and the page says so loudly. Entries are
// held to the node's admission rules too: strict I-JSON, low-S signatures, and a payload naming
// this log's origin.

import { formatTime } from "./display.js";
import { IJSONError, parseIJSON } from "./ijson.js";
import { addressOf, addressOfPoint, base64, concat, fromBase64url, hex, isLowS, pae, sha256, toBytes } from "./ledger.js";

const subtle = globalThis.crypto.subtle;
const STORE_KEY = "medledger.verified-checkpoints";

class ProofFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// Encodings and hashing

function fromBase64(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ProofFailure("A value is not base64.");
  return fromBase64url(text.replace(/\+/g, "-").replace(/\//g, "_"));
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
const nodeHash = (left, right) => sha256(concat(new Uint8Array([1]), left, right));

// ---------------------------------------------------------------------------------------------
// RFC 9162 proof verification

/// The root an inclusion proof leads to, or null when the proof has the wrong shape.
async function rootFromInclusion(leaf, index, size, proof) {
  if (index >= size) return null;
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

/// True when `proof` shows the tree (oldSize, oldRoot) is a prefix of (newSize, newRoot).
async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0 || proof.length === 0) return false;
  let path = proof;
  if ((oldSize & (oldSize - 1)) === 0) path = [oldRoot, ...proof];
  let fn = BigInt(oldSize) - 1n;
  let sn = BigInt(newSize) - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(fr, oldRoot) && equal(sr, newRoot);
}

// ---------------------------------------------------------------------------------------------
// Signed notes and checkpoints

/// `<name>+<8 hex key id>+<base64(0x01 ‖ Ed25519 key)>`, checked against its key id.
export async function parseLogKey(vkey) {
  // The base64 key may itself contain "+": split at the first two only.
  const text = vkey.trim();
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  const [name, id, material] = first < 0 || second < 0 ? [] : [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  const bytes = fromBase64(material || "");
  if (!name || !/^[0-9a-f]{8}$/.test(id || "") || bytes.length !== 33 || bytes[0] !== 1) throw new ProofFailure("The log key is malformed.");
  const computed = (await sha256(concat(toBytes(name), new Uint8Array([0x0a]), bytes))).slice(0, 4);
  if (hex(computed) !== id) throw new ProofFailure("The log key's id does not match its key.");
  const key = await subtle.importKey("raw", bytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  return { name, id, key, text: vkey.trim() };
}

async function openCheckpoint(note, logKey) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new ProofFailure("The checkpoint is not a signed note.");
  const text = note.slice(0, split + 1);
  let signed = false;
  for (const line of note.slice(split + 2).split("\n")) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || match[1] !== logKey.name) continue;
    const bytes = fromBase64(match[2]);
    if (hex(bytes.slice(0, 4)) !== logKey.id) continue;
    if (await subtle.verify({ name: "Ed25519" }, logKey.key, bytes.slice(4), toBytes(text))) signed = true;
  }
  if (!signed) throw new ProofFailure(`The checkpoint is not signed by the log key ${logKey.name}.`);
  const lines = text.split("\n");
  const size = Number(lines[1]);
  const root = fromBase64(lines[2] || "");
  const time = Number((lines[3] || "").replace(/^time /, ""));
  if (!Number.isSafeInteger(size) || root.length !== 32) throw new ProofFailure("The checkpoint's size or root is malformed.");
  return { origin: lines[0], size, root, time, cosignatures: note.slice(split + 2).trim().split("\n").length - 1 };
}

// ---------------------------------------------------------------------------------------------
// Entries

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

// The members the node reads; an entry carrying any other is refused on admission.
const ENVELOPE_MEMBERS = new Set(["payloadType", "payload", "signatures"]);
const SIGNATURE_MEMBERS = new Set(["keyid", "sig"]);
const PAYLOAD_MEMBERS = new Set(["origin", "type", "signer", "nonce", "expires", "body"]);

function unreadMember(object, known) {
  return Object.keys(object).find((name) => !known.has(name));
}

/// Reads `bytes` as strict I-JSON; `what` names the part in the failure.
function strictJSON(bytes, what) {
  try {
    return parseIJSON(bytes);
  } catch (error) {
    if (error instanceof IJSONError) throw new ProofFailure(`its ${what} is not I-JSON: ${error.message}`);
    throw error;
  }
}

/// Checks a DSSE envelope as the node admits one (strict I-JSON envelope and payload, one low-S
/// P-256 signature by the payload's signer, the payload naming this log's origin); returns its
/// transaction type, signer address and body. Throws a ProofFailure naming what is wrong.
export async function openEntry(entry, origin) {
  const envelope = strictJSON(entry, "envelope");
  if (!isObject(envelope) || typeof envelope.payloadType !== "string" || typeof envelope.payload !== "string" ||
      !Array.isArray(envelope.signatures) || envelope.signatures.length !== 1 || !isObject(envelope.signatures[0]) ||
      typeof envelope.signatures[0].sig !== "string") {
    throw new ProofFailure("its envelope is malformed");
  }
  const extra = unreadMember(envelope, ENVELOPE_MEMBERS) ?? unreadMember(envelope.signatures[0], SIGNATURE_MEMBERS);
  if (extra !== undefined) throw new ProofFailure(`its envelope carries a member the ledger does not read (${JSON.stringify(extra)})`);
  const keyid = envelope.signatures[0].keyid;
  const payload = fromBase64(envelope.payload);
  const statement = strictJSON(payload, "payload");
  if (!isObject(statement) || typeof statement.type !== "string" || typeof statement.signer !== "string") {
    throw new ProofFailure("its payload is malformed");
  }
  const unread = unreadMember(statement, PAYLOAD_MEMBERS);
  if (unread !== undefined) throw new ProofFailure(`its payload carries a member the ledger does not read (${JSON.stringify(unread)})`);
  if (statement.origin !== origin) {
    throw new ProofFailure(
      typeof statement.origin === "string"
        ? `its payload names the log ${JSON.stringify(statement.origin)}, not this log ${JSON.stringify(origin)}`
        : "its payload names no log origin",
    );
  }
  const signature = fromBase64(envelope.signatures[0].sig);
  if (signature.length !== 64) throw new ProofFailure("its signature is not a 64-byte r‖s signature");
  if (!isLowS(signature)) throw new ProofFailure("its signature is not in the canonical low-S form");
  const point = fromBase64url(statement.signer);
  let key;
  try {
    key = await subtle.importKey("raw", point, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  } catch {
    throw new ProofFailure("its signer is not a P-256 public key");
  }
  const signed = pae(envelope.payloadType, payload);
  const ok = await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed);
  if (!ok) throw new ProofFailure("its signature does not verify");
  const signer = await addressOfPoint(point);
  if (keyid !== undefined && keyid !== null && keyid !== "" && keyid !== signer) throw new ProofFailure(`its keyid ${JSON.stringify(keyid)} is not its signer's address`);
  return { type: statement.type, signer, body: isObject(statement.body) ? statement.body : {} };
}

async function proveEntry(item, checkpoint) {
  const entry = fromBase64(item.entry);
  const root = await rootFromInclusion(await leafHash(entry), item.index, checkpoint.size, item.proof.map(fromBase64));
  if (!root || !equal(root, checkpoint.root)) throw new ProofFailure("its inclusion proof does not lead to the checkpoint's root");
  return openEntry(entry, checkpoint.origin);
}

// ---------------------------------------------------------------------------------------------
// The last verified checkpoint, per log

function remembered() {
  try {
    return JSON.parse(localStorage.getItem(STORE_KEY) || "{}");
  } catch {
    return {};
  }
}

function remember(origin, value) {
  const all = remembered();
  all[origin] = value;
  localStorage.setItem(STORE_KEY, JSON.stringify(all));
}

async function fetchJSON(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new ProofFailure(`${url} answered ${response.status}.`);
  return response.json();
}

async function checkConsistency(checkpoint, logKey) {
  const previous = remembered()[checkpoint.origin];
  if (!previous) return { first: true };
  if (previous.logKey !== logKey.text) {
    throw new ProofFailure(`The log's key changed since this browser last verified it (${previous.logKey} then, ${logKey.text} now).`);
  }
  const oldRoot = fromBase64(previous.root);
  let older = { size: previous.size, root: oldRoot };
  let newer = checkpoint;
  // A cosigned checkpoint may trail the one verified before; then prove the other way round.
  if (previous.size > checkpoint.size) [older, newer] = [checkpoint, { size: previous.size, root: oldRoot }];
  if (older.size > 0 && older.size !== newer.size) {
    const answer = await fetchJSON(`/v1/proofs/consistency?from=${older.size}&to=${newer.size}`);
    if (!(await verifyConsistency(older.size, newer.size, older.root, newer.root, answer.proof.map(fromBase64)))) {
      throw new ProofFailure(
        `The log cannot prove that its checkpoint of size ${newer.size} extends the one of size ${older.size}: its history was rewritten or forked.`,
      );
    }
  } else if (older.size === newer.size && !equal(older.root, newer.root)) {
    throw new ProofFailure(`Two different checkpoints of size ${older.size} were signed: the log forked.`);
  }
  return { previous };
}

// ---------------------------------------------------------------------------------------------
// The page

function say(region, kind, heading, lines = []) {
  region.replaceChildren();
  region.className = `alert alert-${kind}`;
  region.setAttribute("role", kind === "danger" ? "alert" : "status");
  const title = document.createElement(kind === "danger" ? "h3" : "p");
  title.textContent = heading;
  region.append(title);
  if (lines.length) {
    const list = document.createElement("ul");
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line;
      list.append(item);
    }
    region.append(list);
  }
}

/// Marks each trail row with its proof's result, and shows the CID a write's signed entry names.
function markRows(results, contents) {
  for (const cell of document.querySelectorAll("[data-proof-for]")) {
    // true when proven, the reason when not.
    const result = results.get(Number(cell.dataset.proofFor));
    cell.textContent = result === undefined ? "not in bundle" : result === true ? "✓ proven" : "✗ FAILED";
    cell.className = result === true ? "proof-ok" : "proof-failed";
    if (typeof result === "string") {
      // The reason under the mark, wrapping within the column (the mark itself stays on one line).
      const reason = document.createElement("span");
      reason.className = "proof-reason";
      reason.textContent = result;
      Object.assign(reason.style, { display: "block", whiteSpace: "normal", fontWeight: "normal", minWidth: "12em" });
      cell.append(reason);
    }
  }
  for (const cell of document.querySelectorAll("[data-cid-for]")) {
    const cid = contents.get(Number(cell.dataset.cidFor));
    if (cid) {
      cell.textContent = cid;
      cell.title = "CID of the encrypted content this entry signed";
    }
  }
}

/// Every string value in an entry's body, nested ones included (record ids, CIDs, session keys).
function bodyStrings(value, into = new Set()) {
  if (typeof value === "string") into.add(value);
  else if (Array.isArray(value)) for (const member of value) bodyStrings(member, into);
  else if (isObject(value)) for (const member of Object.values(value)) bodyStrings(member, into);
  return into;
}

const WRITES = new Set(["record.create", "record.add", "record.update"]);
export const BUNDLE_FORMAT = "medledger-audit-bundle/v1";

/// Checks an audit bundle with the log's public key alone, rule for rule as the node's
/// AuditBundleVerifier (Sources/MedLedgerCore/Audit): every event's entry proven in the log the
/// checkpoint commits to, validly signed by the event's actor or by a session key the actor
/// delegated to in an earlier proven entry, the action the event says, naming the record, in
/// ledger order and not after the checkpoint; every stored version backed by an allowed, proven
/// write that names its CID; a deletion backed by an allowed, proven record.delete. The shared
/// vectors in Tests/Vectors/audit-bundles.json hold the two to the same answers.
///
/// Returns the checkpoint, the failures (each naming its entry), and per event index `true` when
/// proven or the reason when not, plus the CID each proven write signed. Throws a ProofFailure
/// when the checkpoint itself cannot be trusted.
export async function verifyBundle(bundle, logKey, onProgress = () => {}) {
  if (bundle.format !== BUNDLE_FORMAT) throw new ProofFailure(`Unknown bundle format ${JSON.stringify(bundle.format)}.`);
  const checkpoint = await openCheckpoint(bundle.checkpoint, logKey);
  const failures = [];
  if (checkpoint.origin !== bundle.origin) {
    failures.push(`The checkpoint is for log ${checkpoint.origin}, but the bundle says ${bundle.origin}.`);
  }
  const sessions = new Map();
  for (const item of bundle.delegations) {
    try {
      const opened = await proveEntry(item, checkpoint);
      if (opened.type !== "session.open") throw new ProofFailure(`it is a ${opened.type}, not a session.open`);
      sessions.set(await addressOf(opened.body.sessionKey), { account: opened.signer, index: item.index });
    } catch (error) {
      failures.push(`Delegation entry ${item.index}: ${error.message}.`);
    }
  }
  const results = new Map();
  const contents = new Map();
  const facts = new Map();
  const events = new Map();
  let previous = null;
  let done = 0;
  for (const item of bundle.events) {
    const event = item.event;
    const problems = [];
    if (previous !== null && event.index <= previous) problems.push(`it is out of ledger order (after entry ${previous})`);
    previous = event.index;
    events.set(event.index, event);
    // A page view may name several records: the bundle's record as `record` or among `otherRecords`.
    if (event.record !== bundle.record && !(event.otherRecords || []).includes(bundle.record)) problems.push(`the event is about ${event.record ? "record " + event.record : "no record"}, not record ${bundle.record}`);
    if (event.time > checkpoint.time) problems.push("the event's time is after the checkpoint's");
    try {
      if (event.index >= checkpoint.size) throw new ProofFailure(`it is beyond the checkpoint (size ${checkpoint.size})`);
      const opened = await proveEntry({ index: event.index, entry: item.entry, proof: item.proof }, checkpoint);
      if (opened.type !== event.action) problems.push(`it is a ${opened.type}, but the event says ${event.action}`);
      const session = sessions.get(opened.signer);
      if (opened.signer !== event.actor && !(session && session.account === event.actor && session.index < event.index)) {
        problems.push(`it was signed by ${opened.signer}, which is neither the event's actor ${event.actor} nor a session key the actor delegated to in this bundle`);
      }
      const strings = bodyStrings(opened.body);
      if (!strings.has(bundle.record)) problems.push(`it does not name record ${bundle.record}`);
      facts.set(event.index, strings);
      if (typeof opened.body.content === "string" && event.version) contents.set(event.index, opened.body.content);
    } catch (error) {
      if (!(error instanceof ProofFailure)) throw error;
      problems.push(error.message);
    }
    for (const problem of problems) failures.push(`Entry ${event.index}: ${problem}.`);
    results.set(event.index, problems.length ? problems.join("; ") : true);
    done += 1;
    onProgress(done);
  }
  for (const version of bundle.versions) {
    const event = events.get(version.entry);
    const strings = facts.get(version.entry);
    if (!event || !strings) {
      failures.push(`Version ${version.number} names entry ${version.entry}, which the bundle does not prove.`);
    } else if (event.outcome !== "allowed" || !WRITES.has(event.action) || event.version !== version.number) {
      failures.push(`Entry ${version.entry} does not record the writing of version ${version.number}.`);
    } else if (!strings.has(version.content)) {
      failures.push(`Version ${version.number}'s content ${version.content} is not the CID entry ${version.entry} signed.`);
    }
  }
  if (bundle.deletedAt !== undefined && bundle.deletedAt !== null) {
    const event = events.get(bundle.deletedAt);
    if (!event || event.action !== "record.delete" || event.outcome !== "allowed" || !facts.has(bundle.deletedAt)) {
      failures.push(`The deletion names entry ${bundle.deletedAt}, which the bundle does not prove to be an allowed record.delete.`);
    }
  }
  return { checkpoint, failures, results, contents };
}

export async function verifyTrail(section) {
  const region = section.querySelector("[data-verify-status]");
  const progress = section.querySelector("progress");
  try {
    const logKey = await parseLogKey(await (await fetch("/log-key")).text());
    const bundle = await fetchJSON(section.dataset.bundle);
    if (progress) progress.max = bundle.events.length || 1;
    const { checkpoint, failures, results, contents } = await verifyBundle(bundle, logKey, (done) => {
      if (progress && done % 25 === 0) progress.value = done;
    });
    if (progress) progress.value = progress.max;
    markRows(results, contents);
    const consistency = await checkConsistency(checkpoint, logKey);
    if (failures.length) {
      say(region, "danger", `The trail does NOT verify: ${failures.length} problem(s).`, failures);
      section.dataset.verified = "false";
      return;
    }
    remember(checkpoint.origin, { size: checkpoint.size, root: base64(checkpoint.root), time: checkpoint.time, logKey: logKey.text });
    const when = formatTime(checkpoint.time);
    const lines = [
      `${bundle.events.length} event(s) of this record are in the log: each entry's inclusion proof leads to the root of the checkpoint of size ${checkpoint.size} (${when}), signed by ${logKey.name}, and each entry's signature is its actor's or a session key they delegated to.`,
      consistency.first
        ? "This is the first checkpoint this browser has verified for this log; it is kept, and every later visit must prove the log only grew since."
        : `The log is consistent with the checkpoint this browser verified before (size ${consistency.previous.size}): it only grew since.`,
    ];
    if (checkpoint.cosignatures > 0) {
      lines.push(
        `The checkpoint carries ${checkpoint.cosignatures} further signature line(s), witness cosignatures; this page does not hold the witnesses' keys, so check them offline with the bundle and --witness-key.`,
      );
    }
    say(region, "success", "Verified in this browser: the trail's proofs hold.", lines);
    section.dataset.verified = "true";
  } catch (error) {
    if (error instanceof ProofFailure) {
      say(region, "danger", "WARNING: the ledger is NOT consistent with what this browser verified before, or its proofs fail.", [error.message]);
      section.dataset.verified = "false";
    } else {
      say(region, "warning", "The proofs could not be checked just now; reload the page to try again.", [error.message]);
      section.dataset.verified = "unknown";
    }
  } finally {
    if (progress) progress.hidden = true;
  }
}
