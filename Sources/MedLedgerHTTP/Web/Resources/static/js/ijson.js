// A strict reader for I-JSON (RFC 7493), the profile of JSON every ledger entry must follow. The
// browser's verifier reads entries with it rather than JSON.parse, which quietly keeps the last of
// two equal keys, accepts lone surrogates and rounds large integers: a log holding such an entry
// could mean one thing to the node and another to this page, so such an entry fails its proof.

/// Why a text is not I-JSON; the message names the first fault and where it is.
export class IJSONError extends Error {
  constructor(message) {
    super(message);
    this.name = "IJSONError";
  }
}

/// Nesting deeper than this is refused rather than risking the call stack (the node's limit too).
export const MAX_DEPTH = 64;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/// Decodes UTF-8 bytes, refusing malformed sequences (overlong forms, encoded surrogates, cut-off
/// characters). A byte order mark is kept as a character, so the parser refuses it.
export function decodeUTF8(bytes) {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new IJSONError("it is not valid UTF-8");
  }
}

/// Parses I-JSON bytes (or an already decoded string) into plain values. Throws IJSONError for
/// anything JSON.parse would refuse, and also for duplicate member names at any depth, strings
/// holding a lone surrogate (escaped or not), and numbers whose magnitude (read as a double, as the
/// node reads it) is beyond 2^53−1, where integers stop being exact.
export function parseIJSON(input) {
  const text = typeof input === "string" ? input : decodeUTF8(input);
  let at = 0;

  const fail = (what) => {
    throw new IJSONError(`${what} at offset ${at}`);
  };
  const skipWhitespace = () => {
    while (at < text.length && WHITESPACE.has(text.charCodeAt(at))) at++;
  };

  function hex4() {
    const digits = text.slice(at, at + 4);
    if (!/^[0-9A-Fa-f]{4}$/.test(digits)) fail("a \\u escape needs four hex digits");
    at += 4;
    return parseInt(digits, 16);
  }

  function string() {
    at++; // the opening quote
    let out = "";
    let run = at;
    while (true) {
      if (at >= text.length) fail("a string is not closed");
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(run, at);
        at++;
        return out;
      }
      if (c < 0x20) fail("a control character must be escaped in a string");
      if (c >= 0xd800 && c <= 0xdfff) {
        // Decoded text holds a surrogate only as half of a valid pair; check anyway for strings.
        const next = text.charCodeAt(at + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) fail("a string holds a lone surrogate");
        at += 2;
        continue;
      }
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(run, at);
      at++;
      const e = text[at];
      at++;
      if (e === "u") {
        const unit = hex4();
        if (unit >= 0xdc00 && unit <= 0xdfff) fail("a string holds a lone low surrogate");
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (text[at] !== "\\" || text[at + 1] !== "u") fail("a string holds a lone high surrogate");
          at += 2;
          const low = hex4();
          if (low < 0xdc00 || low > 0xdfff) fail("a string holds a lone high surrogate");
          out += String.fromCharCode(unit, low);
        } else {
          out += String.fromCharCode(unit);
        }
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
      } else {
        at--;
        fail("a string has an invalid escape");
      }
      run = at;
    }
  }

  function number() {
    NUMBER.lastIndex = at;
    const match = NUMBER.exec(text);
    if (!match || match[0] === "-") fail("a value is not JSON");
    const literal = match[0];
    const value = Number(literal);
    if (!(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) fail(`the number ${literal} is beyond ±(2^53−1)`);
    at += literal.length;
    return value;
  }

  function literal(word, value) {
    if (text.startsWith(word, at)) {
      at += word.length;
      return value;
    }
    return fail("a value is not JSON");
  }

  function value(depth) {
    skipWhitespace();
    if (at >= text.length) fail("a value is missing");
    const c = text[at];
    if (c === "{") return object(depth + 1);
    if (c === "[") return array(depth + 1);
    if (c === '"') return string();
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    return fail("a value is not JSON");
  }

  function object(depth) {
    if (depth > MAX_DEPTH) fail("the nesting is too deep");
    at++;
    const members = new Map();
    // Names that differ only in Unicode normalisation count as the same name, as they do for the node.
    const names = new Set();
    skipWhitespace();
    if (text[at] === "}") {
      at++;
      return {};
    }
    while (true) {
      skipWhitespace();
      if (text[at] !== '"') fail("a member name must be a string");
      const start = at;
      const name = string();
      const normalised = name.normalize("NFC");
      if (names.has(normalised)) {
        at = start;
        fail(`the member name ${JSON.stringify(name)} appears twice`);
      }
      skipWhitespace();
      if (text[at] !== ":") fail("a member name must be followed by ':'");
      at++;
      names.add(normalised);
      members.set(name, value(depth));
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "}") {
        at++;
        // fromEntries defines own properties, so a "__proto__" member stays data.
        return Object.fromEntries(members);
      }
      fail("an object needs ',' or '}'");
    }
  }

  function array(depth) {
    if (depth > MAX_DEPTH) fail("the nesting is too deep");
    at++;
    const items = [];
    skipWhitespace();
    if (text[at] === "]") {
      at++;
      return items;
    }
    while (true) {
      items.push(value(depth));
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === "]") {
        at++;
        return items;
      }
      fail("an array needs ',' or ']'");
    }
  }

  const result = value(0);
  skipWhitespace();
  if (at !== text.length) fail("text follows the value");
  return result;
}
