// MedLedger's browser cryptography: key derivation, key wrapping, the device key store, DSSE
// transaction envelopes and signed blob uploads. Formats are those of docs/WEB.md; the server
// verifies every byte, so nothing here may drift from them.

const subtle = globalThis.crypto.subtle;

export const PAYLOAD_TYPE = "application/vnd.medledger.tx+json";
export const KEY_FILE_FORMAT = "medledger-key-v1";
export const DEFAULT_ITERATIONS = 600000;
const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };
const encoder = new TextEncoder();

/// An error whose message is fit to show to a person as it is.
export class LedgerError extends Error {
  constructor(message, { status = 0, code = "", receipt = null, retryAfter = null } = {}) {
    super(message);
    this.name = "LedgerError";
    this.status = status;
    this.code = code;
    this.receipt = receipt;
    this.retryAfter = retryAfter;
  }
}

// ---------------------------------------------------------------------------------------------
// Encodings

export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === "string") return encoder.encode(data);
  throw new TypeError("expected bytes or a string");
}

function binaryString(bytes) {
  // Chunked so long inputs do not overflow the argument limit of fromCharCode.
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return out;
}

/// Standard base64 with padding: what DSSE's payload and sig fields use.
export function base64(data) {
  return btoa(binaryString(toBytes(data)));
}

/// base64url without padding: keys, salts, wrapped keys and request signatures.
export function base64url(data) {
  return base64(data).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/// Decodes base64url (padding optional); throws on anything else.
export function fromBase64url(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new LedgerError("Not base64url text.");
  const standard = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  const padded = standard + "=".repeat((4 - (standard.length % 4)) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function hex(data) {
  return Array.from(toBytes(data), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomBytes(count) {
  return globalThis.crypto.getRandomValues(new Uint8Array(count));
}

export async function sha256(data) {
  return new Uint8Array(await subtle.digest("SHA-256", toBytes(data)));
}

/// The bytes of every part, one after another.
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Passwords

export function newSalt() {
  return base64url(randomBytes(16));
}

/// PBKDF2-HMAC-SHA256 → 64 bytes: the first half becomes the AES-GCM wrapping key (never
/// extractable), the second the authentication key the server checks (base64url).
export async function deriveKeys(password, salt, iterations = DEFAULT_ITERATIONS) {
  if (!Number.isInteger(iterations) || iterations < DEFAULT_ITERATIONS) {
    throw new LedgerError("The server asked for too few password iterations; refusing to derive keys.");
  }
  const material = await subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = new Uint8Array(
    await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: fromBase64url(salt), iterations }, material, 512),
  );
  const wrappingKey = await subtle.importKey("raw", bits.slice(0, 32), { name: "AES-GCM" }, false, [
    "wrapKey",
    "unwrapKey",
  ]);
  const authKey = base64url(bits.slice(32, 64));
  bits.fill(0);
  return { wrappingKey, authKey, salt, iterations };
}

// ---------------------------------------------------------------------------------------------
// Keys and addresses

/// A new P-256 key pair. Extractable only so it can be wrapped once; the device keeps a
/// non-extractable copy (see `unwrapPrivateKey`).
export async function generateKeyPair() {
  const pair = await subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const point = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: base64url(point), address: await addressOfPoint(point) };
}

export async function addressOfPoint(point) {
  return "ml" + hex((await sha256(point)).slice(0, 20));
}

/// The address of a base64url public key; throws for anything but a 65-byte uncompressed point.
export async function addressOf(publicKey) {
  const point = fromBase64url(publicKey);
  if (point.length !== 65 || point[0] !== 4) throw new LedgerError("That is not a MedLedger public key.");
  return addressOfPoint(point);
}

function keyAAD(address) {
  return encoder.encode("medledger-key-v1:" + address);
}

/// base64url(nonce(12) ‖ AES-GCM(PKCS#8) ‖ tag), bound to the address through the additional data.
export async function wrapPrivateKey(privateKey, wrappingKey, address) {
  const iv = randomBytes(12);
  const sealed = new Uint8Array(
    await subtle.wrapKey("pkcs8", privateKey, wrappingKey, { name: "AES-GCM", iv, additionalData: keyAAD(address) }),
  );
  return base64url(concat(iv, sealed));
}

/// Opens a wrapped key. A wrong password (or a key wrapped for another address) fails the GCM
/// tag check; that is reported in plain words.
export async function unwrapPrivateKey(wrappedKey, wrappingKey, address, { extractable = false } = {}) {
  let data;
  try {
    data = fromBase64url(wrappedKey);
  } catch {
    throw new LedgerError("The stored key is damaged.");
  }
  if (data.length < 12 + 16 + 1) throw new LedgerError("The stored key is damaged.");
  try {
    return await subtle.unwrapKey(
      "pkcs8",
      data.slice(12),
      wrappingKey,
      { name: "AES-GCM", iv: data.slice(0, 12), additionalData: keyAAD(address) },
      ECDSA,
      extractable,
      ["sign"],
    );
  } catch {
    throw new LedgerError("The password does not unlock this key.");
  }
}

/// Checks that a private key belongs to a public key by signing a random challenge with it, which
/// works for non-extractable keys too.
export async function keyMatches(privateKey, publicKey) {
  try {
    const pub = await subtle.importKey("raw", fromBase64url(publicKey), ECDSA, false, ["verify"]);
    const challenge = randomBytes(32);
    const sig = await subtle.sign(SIGN, privateKey, challenge);
    return await subtle.verify(SIGN, pub, sig, challenge);
  } catch {
    return false;
  }
}

/// Unwraps a key for signing on this device: non-extractable, and checked against the account's
/// public key and address so a mixed-up answer cannot leave a wrong key in the store.
export async function openAccountKey({ wrappedKey, wrappingKey, address, publicKey, username = "" }) {
  if ((await addressOf(publicKey)) !== address) throw new LedgerError("The account's address does not match its key.");
  const privateKey = await unwrapPrivateKey(wrappedKey, wrappingKey, address);
  if (!(await keyMatches(privateKey, publicKey))) throw new LedgerError("The key does not belong to this account.");
  return { address, publicKey, username, privateKey };
}

/// The backup file of docs/WEB.md.
export function buildKeyFile({ username, address, publicKey, salt, iterations, wrappedKey }) {
  return { format: KEY_FILE_FORMAT, username, address, publicKey, salt, iterations, wrappedKey };
}

/// Parses and checks the shape of a key file's text.
export function parseKeyFile(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new LedgerError("That file is not a MedLedger key file.");
  }
  const fields = ["username", "address", "publicKey", "salt", "wrappedKey"];
  if (!data || data.format !== KEY_FILE_FORMAT || fields.some((f) => typeof data[f] !== "string") ||
      !Number.isInteger(data.iterations)) {
    throw new LedgerError("That file is not a MedLedger key file.");
  }
  return data;
}

// ---------------------------------------------------------------------------------------------
// The device key store (IndexedDB). Keys are stored as non-extractable CryptoKeys: script on the
// page can sign with them but cannot read them out.

const DB_NAME = "medledger";
const STORE = "keys";

function openDB() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "address" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new LedgerError("This browser's key storage is not available."));
    request.onblocked = () => reject(new LedgerError("Close other MedLedger tabs and try again."));
  });
}

async function withStore(mode, work) {
  const db = await openDB();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let result;
      Promise.resolve(work(tx.objectStore(STORE))).then((r) => {
        result = r;
      });
      tx.oncomplete = () => resolve(result);
      tx.onerror = tx.onabort = () => reject(new LedgerError("This browser could not use its key storage."));
    });
  } finally {
    db.close();
  }
}

function requestValue(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/// Keeps only this account's key: one device, one signed-in account.
export async function storeKey(record) {
  if (record.privateKey.extractable) throw new LedgerError("Refusing to store an extractable key.");
  const { address, publicKey, username = "", privateKey } = record;
  await withStore("readwrite", (store) => {
    store.clear();
    store.put({ address, publicKey, username, privateKey, storedAt: Date.now() });
  });
}

/// The stored key for `address`, or null.
export async function loadKey(address) {
  if (!address) return null;
  try {
    const record = await withStore("readonly", (store) => requestValue(store.get(address)));
    return record && record.privateKey ? record : null;
  } catch {
    return null;
  }
}

export async function clearKeys() {
  try {
    await withStore("readwrite", (store) => store.clear());
  } catch {
    // Nothing stored, or storage unavailable: either way nothing is left to clear.
  }
}

// ---------------------------------------------------------------------------------------------
// Signing

/// The order n of the P-256 group. For any signature (r, s), (r, n − s) verifies too; the ledger
/// accepts only the form with s ≤ n/2, so one signed statement has exactly one valid encoding.
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

function bigIntOf(bytes) {
  return bytes.length ? BigInt("0x" + hex(bytes)) : 0n;
}

function bytesOf32(value) {
  const text = value.toString(16).padStart(64, "0");
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/// True when a 64-byte r‖s signature is in the ledger's canonical low-S form.
export function isLowS(signature) {
  const bytes = toBytes(signature);
  return bytes.length === 64 && bigIntOf(bytes.subarray(32)) <= HALF_ORDER;
}

/// The low-S form of a 64-byte r‖s P-256 signature: s is replaced by n − s when it is above n/2.
/// WebCrypto returns either form at random, and the server refuses the high one.
export function normaliseLowS(signature) {
  const bytes = toBytes(signature);
  if (bytes.length !== 64) throw new LedgerError("The browser produced a signature of an unexpected size.");
  const s = bigIntOf(bytes.subarray(32));
  if (s <= HALF_ORDER) return bytes;
  return concat(bytes.slice(0, 32), bytesOf32(P256_ORDER - s));
}

/// ECDSA P-256 / SHA-256 over `message`, as the 64-byte low-S r‖s the server accepts. Every
/// signature this page sends is made here.
export async function signP256(privateKey, message) {
  return normaliseLowS(new Uint8Array(await subtle.sign(SIGN, privateKey, toBytes(message))));
}

// The ledger's origin, the name its checkpoints carry: every signed payload names it, so an
// envelope signed for one ledger cannot be replayed on another. Read once per page.
let originRequest = null;

/// The ledger's origin: the name part of `GET /log-key` (`<origin>+<key id>+<key>`).
export function ledgerOrigin() {
  if (!originRequest) {
    originRequest = fetchOrigin().catch((error) => {
      originRequest = null; // a later attempt may succeed
      throw error;
    });
  }
  return originRequest;
}

async function fetchOrigin() {
  const failure = "This page could not read the ledger's name from the server, so it cannot sign. Check your connection and try again.";
  let text;
  try {
    const response = await fetch("/log-key", { credentials: "same-origin", referrerPolicy: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    text = (await response.text()).trim();
  } catch {
    throw new LedgerError(failure);
  }
  const plus = text.indexOf("+");
  const origin = plus > 0 ? text.slice(0, plus) : "";
  if (!origin || /[\s+]/.test(origin)) throw new LedgerError(failure);
  return origin;
}

/// DSSE pre-authentication encoding: what an envelope's signature covers.
export function pae(payloadType, payload) {
  const type = encoder.encode(payloadType);
  return concat(encoder.encode(`DSSEv1 ${type.length} `), type, encoder.encode(` ${payload.length} `), payload);
}

export function newNonce() {
  return base64url(randomBytes(18));
}

/// A DSSE envelope (as a plain object) of `{type, origin, signer, nonce, expires, body}` signed by
/// `key` ({privateKey, publicKey, address}). `origin` defaults to this ledger's (`ledgerOrigin`),
/// `expires` to ten minutes from now.
export async function signEnvelope(key, type, body = {}, { expires, nonce, origin } = {}) {
  const payload = encoder.encode(
    JSON.stringify({
      type,
      origin: origin ?? (await ledgerOrigin()),
      signer: key.publicKey,
      nonce: nonce || newNonce(),
      expires: expires ?? Date.now() + 10 * 60 * 1000,
      body,
    }),
  );
  const sig = await signP256(key.privateKey, pae(PAYLOAD_TYPE, payload));
  return { payloadType: PAYLOAD_TYPE, payload: base64(payload), signatures: [{ keyid: key.address, sig: base64(sig) }] };
}

/// The `Authorization: MedLedger ...` header for a request whose body is `body` (bytes).
export async function requestAuthorization(key, method, target, body, time = Date.now()) {
  const digest = hex(await sha256(body));
  const message = `medledger-request-v1\n${method.toUpperCase()}\n${target}\n${time}\n${digest}`;
  const sig = await signP256(key.privateKey, encoder.encode(message));
  return `MedLedger key="${key.publicKey}", time="${time}", sig="${base64url(sig)}"`;
}

// ---------------------------------------------------------------------------------------------
// Talking to the server

/// Reads a JSON answer; a non-2xx status becomes a LedgerError carrying the server's message.
export async function readAnswer(response) {
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return data ?? {};
  const message =
    (data && data.error && typeof data.error.message === "string" && data.error.message) ||
    (response.status === 413
      ? "That is too large to send."
      : response.status >= 500
        ? "The server could not do that just now. Try again in a moment."
        : `The server refused the request (status ${response.status}).`);
  throw new LedgerError(message, {
    status: response.status,
    code: (data && data.error && data.error.code) || "",
    receipt: (data && data.receipt) || null,
    retryAfter: response.headers.get("Retry-After"),
  });
}

/// fetch that reports a network failure in plain words. The pages are served with
/// `Referrer-Policy: no-referrer`, under which the Fetch standard (and some browsers) send
/// `Origin: null` on POSTs, which the server's CSRF check refuses; "same-origin" keeps the real
/// Origin on our own requests and still sends nothing to other sites.
export async function request(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", referrerPolicy: "same-origin", ...options });
  } catch {
    throw new LedgerError("The server could not be reached. Check your connection and try again.");
  }
  return readAnswer(response);
}

export function postJSON(url, value, headers = {}) {
  return request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(value),
  });
}

/// Signs and submits a transaction; returns the 201 answer ({index, …, event}). A contract denial
/// (403) throws with the ledger's reason and its receipt.
export async function submit(type, body, { key, expires } = {}) {
  const signer = key || (await currentKey());
  const envelope = await signEnvelope(signer, type, body, { expires });
  return postJSON("/v1/transactions", envelope);
}

/// Uploads bytes to be stored encrypted under `owner`'s key; returns the CID.
export async function uploadBlob(key, owner, data, contentType = "application/octet-stream", options = {}) {
  const body = toBytes(data);
  let target = `/v1/blobs?owner=${encodeURIComponent(owner)}`;
  if (options.name) target += `&name=${encodeURIComponent(options.name)}`;
  const headers = { "Content-Type": contentType, Authorization: await requestAuthorization(key, "POST", target, body) };
  const answer = options.onProgress
    ? await sendWithProgress(target, headers, body, options.onProgress)
    : await request(target, { method: "POST", headers, body });
  if (!answer || typeof answer.cid !== "string") throw new LedgerError("The server did not return the upload's id.");
  return answer.cid;
}

/// POSTs with XMLHttpRequest, whose upload events fetch lacks, calling `onProgress(sent, total)`
/// as the body goes out; resolves to the JSON answer like `request`.
function sendWithProgress(target, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", target);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      const response = new Response(xhr.responseText || null, {
        status: xhr.status,
        headers: { "Content-Type": "application/json", "Retry-After": xhr.getResponseHeader("Retry-After") || "" },
      });
      readAnswer(response).then(resolve, reject);
    });
    xhr.addEventListener("error", () => reject(new LedgerError("The upload stopped: the server could not be reached. Try again.")));
    xhr.addEventListener("abort", () => reject(new LedgerError("The upload was cancelled.")));
    xhr.send(body);
  });
}

/// Uploads a JSON document; returns its CID.
export function uploadJSON(key, owner, value) {
  return uploadBlob(key, owner, encoder.encode(JSON.stringify(value)), "application/json");
}

// ---------------------------------------------------------------------------------------------
// The page's account

export function meta(name) {
  const element = document.querySelector(`meta[name="${name}"]`);
  return element ? element.getAttribute("content") || "" : "";
}

/// The signed-in address of this page ("" when signed out).
export function signedInAddress() {
  return meta("ml-address");
}

/// The stored key of the signed-in account; throws in plain words when this device has none.
export async function currentKey() {
  const address = signedInAddress();
  if (!address) throw new LedgerError("Sign in to make changes.");
  const key = await loadKey(address);
  if (!key) {
    throw new LedgerError("This device does not hold your key. Sign in again or import your key file to make changes.");
  }
  return key;
}

/// Headers for cookie-authenticated POSTs.
export function csrfHeaders() {
  return { "X-CSRF-Token": meta("csrf-token") };
}
