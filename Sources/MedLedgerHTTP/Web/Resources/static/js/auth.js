// Sign-up, sign-in, sign-out, password change and key files (docs/WEB.md "Keys, sign-up and
// sign-in"). Passwords and keys stay in local variables: nothing here logs, stores or sends them
// except as the protocol says (the server gets only the authentication key and the wrapped key).

import {
  DEFAULT_ITERATIONS,
  LedgerError,
  base64url,
  buildKeyFile,
  clearKeys,
  csrfHeaders,
  deriveKeys,
  fromBase64url,
  generateKeyPair,
  keyMatches,
  ledgerOrigin,
  newSalt,
  openAccountKey,
  parseKeyFile,
  postJSON,
  request,
  signEnvelope,
  signP256,
  signedInAddress,
  storeKey,
  unwrapPrivateKey,
  uploadBlob,
  uploadJSON,
  wrapPrivateKey,
} from "./ledger.js";
import { busy, plainMessage, setStatus, statusElement } from "./forms.js";

const MIN_PASSWORD = 12;
const ROLES = ["patient", "doctor", "auditor", "hospital_management", "pharmacy"];
/// Answers that are not failures but a state to wait in: shown as a calm notice.
const WAITING_CODES = new Set(["awaiting_account", "pending_verification"]);

/// Only same-origin paths may be followed, so a bad answer cannot send the user elsewhere.
function safeRedirect(target) {
  return typeof target === "string" && target.startsWith("/") && !target.startsWith("//") ? target : "/";
}

function field(form, name) {
  return form.elements.namedItem(name);
}

function text(form, name) {
  const control = field(form, name);
  return control && typeof control.value === "string" ? control.value.trim() : "";
}

/// A password field's exact value: spaces are part of a password.
function secret(form, name) {
  const control = field(form, name);
  return control ? control.value : "";
}

function firstFile(form, name) {
  const control = field(form, name);
  return control && control.files && control.files.length ? control.files[0] : null;
}

function checkNewPassword(password, confirmation) {
  if (password.length < MIN_PASSWORD) throw new LedgerError(`Choose a password of at least ${MIN_PASSWORD} characters.`);
  if (password !== confirmation) throw new LedgerError("The two passwords are not the same.");
}

// ---------------------------------------------------------------------------------------------
// Signing in

/// Steps two and three of sign-in, given keys already derived from the password: the server checks
/// the authentication key and returns the wrapped key and a session key; the page unwraps, stores
/// the key (non-extractable) and signs `session.open`. Navigates on success.
async function completeSignIn({ username, password, derived, keyFile = null, step }) {
  step("Checking your password…");
  const answer = await postJSON("/auth/login", { username, authKey: derived.authKey });
  let wrappedKey = answer.wrappedKey;
  let wrappingKey = derived.wrappingKey;
  if (keyFile) {
    if (keyFile.publicKey !== answer.publicKey || keyFile.address !== answer.address) {
      throw new LedgerError("That key file belongs to a different account.");
    }
    wrappedKey = keyFile.wrappedKey;
    // A key file saved before a password change is locked under its own salt.
    if (keyFile.salt !== derived.salt || keyFile.iterations !== derived.iterations) {
      wrappingKey = (await deriveKeys(password, keyFile.salt, keyFile.iterations)).wrappingKey;
    }
  }
  step("Unlocking your key…");
  let key;
  try {
    key = await openAccountKey({ wrappedKey, wrappingKey, address: answer.address, publicKey: answer.publicKey, username });
  } catch (error) {
    if (keyFile) throw new LedgerError("Your password does not unlock that key file. It may have been saved before a password change.");
    throw error;
  }
  await storeKey(key);
  try {
    step("Signing in…");
    const envelope = await signEnvelope(key, "session.open", { sessionKey: answer.sessionKey, expires: answer.sessionExpires });
    const done = await postJSON("/auth/session", envelope);
    // A page that sent the user to sign in (`/login?next=…`, such as an app's authorise page)
    // is where they go back to; otherwise their home page.
    const next = new URLSearchParams(window.location.search).get("next");
    window.location.assign(safeRedirect(next || (done && done.redirect)));
  } catch (error) {
    await clearKeys();
    throw error;
  }
}

async function signIn(form) {
  const username = text(form, "username");
  const password = secret(form, "password");
  if (!username || !password) throw new LedgerError("Enter your username and password.");
  const file = firstFile(form, "keyFile");
  const keyFile = file ? parseKeyFile(await file.text()) : null;
  const step = busy(form, "Checking your password…");
  try {
    const { salt, iterations } = await postJSON("/auth/prelogin", { username });
    const derived = await deriveKeys(password, salt, iterations);
    await completeSignIn({ username, password, derived, keyFile, step });
  } catch (error) {
    step.end();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Signing up

function selectedRole(form) {
  const role = text(form, "role");
  return ROLES.includes(role) ? role : "patient";
}

/// Shows only the fields of the chosen role. Hidden fieldsets are disabled too, so their required
/// inputs do not block the form.
function showRoleFields(form) {
  const role = selectedRole(form);
  for (const fieldset of form.querySelectorAll("[data-role-fields]")) {
    const roles = fieldset.dataset.roleFields.split(/\s+/);
    const shown = roles.includes(role);
    fieldset.hidden = !shown;
    fieldset.disabled = !shown;
  }
}

/// Proof that this browser holds the new key (docs/WEB.md, "Sign-up"): the new key signs a
/// single-use challenge from the server together with the ledger's origin, the username and the
/// role, so nobody can sign up under a name for someone else's key.
async function signupProof(key, username, role) {
  const [{ challenge }, origin] = await Promise.all([postJSON("/auth/challenge", {}), ledgerOrigin()]);
  const message = ["medledger-signup-v1", origin, challenge, username, role].join("\n");
  const proof = base64url(await signP256(key.privateKey, new TextEncoder().encode(message)));
  return { challenge, proof };
}

// ---------------------------------------------------------------------------------------------
// Invited sign-up: /signup?invite=<id>#<key> (docs/WEB.md "Invitations"). The fragment is the
// invitation's private key (its 32-byte scalar), which the browser never sends. It is checked here
// against the invitation's public key before anything is made or signed, and used only to sign a
// proof binding this ledger, the invitation, the new key and the role (`medledger-invitation-v1`),
// which `invitation.accept` carries: the key itself never leaves this page.

/// The invitation's private key from this page's link, checked against the invitation's public
/// key; throws in plain words when the link is incomplete or damaged.
async function invitationKey(form) {
  const fragment = window.location.hash.replace(/^#/, "");
  const incomplete = "This invitation link is incomplete: the part after “#” is missing or damaged. Open the whole link you were given.";
  const mismatch = "This invitation link does not match its invitation: part of it is wrong. Open the whole link you were given, or ask for a new one.";
  if (!/^[A-Za-z0-9_-]{43}$/.test(fragment)) throw new LedgerError(incomplete);
  const publicKey = form.dataset.invitationKey || "";
  let point;
  try {
    point = fromBase64url(publicKey);
  } catch {
    point = null;
  }
  if (!point || point.length !== 65 || point[0] !== 4) throw new LedgerError(mismatch);
  const jwk = { kty: "EC", crv: "P-256", d: fragment, x: base64url(point.slice(1, 33)), y: base64url(point.slice(33)), ext: false };
  let privateKey;
  try {
    privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  } catch {
    throw new LedgerError(mismatch);
  }
  if (!(await keyMatches(privateKey, publicKey))) throw new LedgerError(mismatch);
  return privateKey;
}

/// The proof `invitation.accept` carries: the invitation's key signs this ledger, the invitation,
/// the new account's key and the role, so the proof is worth nothing to any other key.
async function invitationProof(privateKey, invitation, newPublicKey, role) {
  const origin = await ledgerOrigin();
  const message = ["medledger-invitation-v1", origin, invitation, newPublicKey, role].join("\n");
  return base64url(await signP256(privateKey, new TextEncoder().encode(message)));
}

/// Checks the link as soon as the page opens, so a damaged link is said before any typing.
async function checkInvitationLink(form) {
  try {
    await invitationKey(form);
  } catch (error) {
    setStatus(form, plainMessage(error), "error");
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
  }
}

async function signUp(form) {
  const username = text(form, "username");
  const password = secret(form, "password");
  const role = selectedRole(form);
  const invitation = form.dataset.invite || "";
  const invitationPrivateKey = invitation ? await invitationKey(form) : null;
  const staffName = text(form, "staffName");
  if (invitation && !["patient", "doctor"].includes(role) && !staffName) throw new LedgerError("Give the name shown to colleagues and patients.");
  if (!/^[A-Za-z0-9._-]{3,64}$/.test(username)) {
    throw new LedgerError("A username is 3 to 64 letters, digits, dots, dashes or underscores.");
  }
  checkNewPassword(password, secret(form, "passwordConfirm"));
  const doctor = role === "doctor"
    ? { displayName: text(form, "displayName"), speciality: text(form, "speciality"), licence: text(form, "licence"), file: firstFile(form, "certificate") }
    : null;
  if (doctor && (!doctor.displayName || !doctor.speciality || !doctor.licence)) {
    throw new LedgerError("Doctors must give their name, speciality and licence number.");
  }
  if (doctor && !doctor.file) throw new LedgerError("Choose your licence certificate file.");
  // Say what the contract would refuse before anything is uploaded or signed.
  if (doctor && invitation && form.dataset.licence && doctor.licence !== form.dataset.licence) {
    throw new LedgerError("Give the licence number your invitation names: the administrator checked that one.");
  }

  const step = busy(form, "Creating your key…");
  try {
    const key = await generateKeyPair();
    const salt = newSalt();
    const derived = await deriveKeys(password, salt, DEFAULT_ITERATIONS);
    const wrappedKey = await wrapPrivateKey(key.privateKey, derived.wrappingKey, key.address);

    let envelope;
    /// An invited sign-up accepts the invitation instead of registering alone.
    const sign = async (type, body) => invitation
      ? signEnvelope(key, "invitation.accept", {
        invitation, proof: await invitationProof(invitationPrivateKey, invitation, key.publicKey, role), role, ...body,
      })
      : signEnvelope(key, type, body);
    if (doctor) {
      step("Uploading your certificate…");
      const bytes = new Uint8Array(await doctor.file.arrayBuffer());
      const certificate = await uploadBlob(key, key.address, bytes, doctor.file.type || "application/octet-stream", { name: doctor.file.name });
      step("Signing…");
      const { displayName, speciality, licence } = doctor;
      envelope = await sign("doctor.register", { displayName, speciality, licence, certificate });
    } else if (invitation && role !== "patient") {
      step("Signing…");
      envelope = await sign("", { displayName: staffName });
    } else if (role === "patient") {
      const body = {};
      const profile = {};
      for (const name of ["name", "birthDate", "phone"]) {
        const value = text(form, name);
        if (value) profile[name] = value;
      }
      if (Object.keys(profile).length) {
        step("Uploading your profile…");
        body.profile = await uploadJSON(key, key.address, profile);
      }
      step("Signing…");
      envelope = await sign("patient.register", body);
    }

    step("Saving…");
    const { challenge, proof } = await signupProof(key, username, role);
    const signup = { username, role, publicKey: key.publicKey, salt, iterations: DEFAULT_ITERATIONS, wrappedKey, authKey: derived.authKey, challenge, proof };
    if (envelope) signup.envelope = envelope;
    const answer = await postJSON("/auth/signup", signup);

    const waiting = answer && answer.status === "awaiting_account"
      ? "Your sign-up is saved. An administrator must create your account before you can sign in; then sign in with this username and password."
      : answer && answer.status === "pending"
        ? "Your sign-up is saved. An administrator must verify your licence before you can sign in; then sign in with this username and password."
        : null;
    if (waiting) {
      step.end();
      for (const control of form.elements) control.disabled = true;
      setStatus(form, waiting, "success");
      return;
    }
    await completeSignIn({ username, password, derived, step });
  } catch (error) {
    step.end();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Signing out

async function signOut(form) {
  const step = busy(form, "Signing out…");
  let target = "/";
  try {
    const answer = await postJSON("/auth/logout", {}, csrfHeaders());
    target = safeRedirect(answer && answer.redirect);
  } catch {
    // The key leaves this device whatever the server said; the session ends at its expiry anyway.
  } finally {
    await clearKeys();
    step.end();
  }
  window.location.assign(target);
}

// ---------------------------------------------------------------------------------------------
// Password change and key files

async function fetchKeyFile() {
  const data = await request("/auth/key-file", { headers: { Accept: "application/json" } });
  return parseKeyFile(JSON.stringify(data));
}

async function changePassword(form) {
  const current = secret(form, "currentPassword");
  const password = secret(form, "newPassword");
  if (!current) throw new LedgerError("Enter your current password.");
  checkNewPassword(password, secret(form, "newPasswordConfirm"));
  if (password === current) throw new LedgerError("The new password is the same as the current one.");

  const step = busy(form, "Checking your current password…");
  try {
    const stored = await fetchKeyFile();
    const old = await deriveKeys(current, stored.salt, stored.iterations);
    let privateKey;
    try {
      // Extractable only here, in this function, so it can be wrapped again under the new password.
      privateKey = await unwrapPrivateKey(stored.wrappedKey, old.wrappingKey, stored.address, { extractable: true });
    } catch {
      throw new LedgerError("The current password is not correct.");
    }
    step("Locking your key with the new password…");
    const salt = newSalt();
    const fresh = await deriveKeys(password, salt, DEFAULT_ITERATIONS);
    const wrappedKey = await wrapPrivateKey(privateKey, fresh.wrappingKey, stored.address);
    privateKey = null;
    step("Saving…");
    await postJSON(
      "/auth/password",
      { currentAuthKey: old.authKey, salt, iterations: DEFAULT_ITERATIONS, wrappedKey, authKey: fresh.authKey },
      csrfHeaders(),
    );
    step.end();
    form.reset();
    setStatus(form, "Your password is changed. Key files saved before now still need the old password, so download a new key file (above).", "success");
  } catch (error) {
    step.end();
    throw error;
  }
}

function saveAs(filename, textContent) {
  const url = URL.createObjectURL(new Blob([textContent], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function downloadKeyFile(status) {
  const file = await fetchKeyFile();
  const name = (file.username || file.address).replace(/[^A-Za-z0-9._-]/g, "_");
  saveAs(`medledger-key-${name}.json`, JSON.stringify(buildKeyFile(file), null, 2) + "\n");
  status("Key file saved. Keep it somewhere safe: with your password it can sign as you.");
}

/// Imports a key file onto this device for the signed-in account.
async function importKey(form) {
  const file = firstFile(form, "keyFile");
  const password = secret(form, "password");
  if (!file) throw new LedgerError("Choose your key file.");
  if (!password) throw new LedgerError("Enter the password the key file was saved with.");
  const keyFile = parseKeyFile(await file.text());
  if (keyFile.address !== signedInAddress()) throw new LedgerError("That key file belongs to a different account.");
  const step = busy(form, "Unlocking your key…");
  try {
    const derived = await deriveKeys(password, keyFile.salt, keyFile.iterations);
    const key = await openAccountKey({ ...keyFile, wrappingKey: derived.wrappingKey });
    await storeKey(key);
    step.end();
    form.reset();
    setStatus(form, "This device now holds your key.", "success");
    for (const banner of document.querySelectorAll("[data-missing-key]")) banner.remove();
  } catch (error) {
    step.end();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

function handle(form, action) {
  if (!form || form.dataset.authBound) return;
  form.dataset.authBound = "true";
  statusElement(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.working === "true") return;
    form.dataset.working = "true";
    try {
      setStatus(form, "");
      await action(form);
    } catch (error) {
      const calm = error instanceof LedgerError && WAITING_CODES.has(error.code);
      setStatus(form, plainMessage(error), calm ? "notice" : "error");
    } finally {
      delete form.dataset.working;
    }
  });
}

export function initAuth(root = document) {
  handle(root.querySelector("#login-form"), signIn);
  handle(root.querySelector("#password-form"), changePassword);
  handle(root.querySelector("#key-import-form"), importKey);
  for (const form of root.querySelectorAll("form.logout-form")) handle(form, signOut);

  const signup = root.querySelector("#signup-form");
  if (signup) {
    const roleControl = field(signup, "role");
    const wanted = signup.dataset.role || new URLSearchParams(window.location.search).get("role");
    if (roleControl && wanted && ROLES.includes(wanted)) roleControl.value = wanted;
    if (roleControl) roleControl.addEventListener("change", () => showRoleFields(signup));
    showRoleFields(signup);
    handle(signup, signUp);
    if (signup.dataset.invite) checkInvitationLink(signup);
  }

  // Demo mode: a demo account's "Use" button fills the log-in form.
  const login = root.querySelector("#login-form");
  for (const button of root.querySelectorAll("[data-fill-username]")) {
    if (!login) break;
    button.addEventListener("click", () => {
      field(login, "username").value = button.dataset.fillUsername;
      field(login, "password").value = button.dataset.fillPassword || "";
      field(login, "password").focus();
    });
  }

  const download = root.querySelector("#key-file-download");
  if (download) {
    const status = root.querySelector("#key-file-status");
    const say = (message, kind = "success") => {
      if (!status) return;
      status.textContent = message;
      status.className = kind === "error" ? "alert alert-danger" : "alert alert-success";
    };
    download.addEventListener("click", async (event) => {
      event.preventDefault();
      try {
        await downloadKeyFile(say);
      } catch (error) {
        say(plainMessage(error), "error");
      }
    });
  }
}
