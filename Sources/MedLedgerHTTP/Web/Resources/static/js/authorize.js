// The SMART authorise page: Allow signs the `session.open` the server prepared for the app (the
// JSON block #authorization) with the user's own key, exactly as sign-in signs one, and posts it;
// Deny tells the server no. Either way the browser then goes back to the app's redirect address.

import { currentKey, signEnvelope, postJSON, csrfHeaders, LedgerError } from "./ledger.js";

function readAuthorization(root) {
  const block = root.getElementById("authorization");
  if (!block) return null;
  try {
    const value = JSON.parse(block.textContent);
    return value && typeof value.request === "string" && value.body && typeof value.body === "object" ? value : null;
  } catch {
    return null;
  }
}

function say(status, message, kind = "") {
  status.textContent = message;
  status.className = kind ? `alert alert-${kind}` : "";
}

/// Only an absolute http(s) address the server answered with is followed.
function follow(target) {
  const url = new URL(target, window.location.href);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new LedgerError("The app's return address is not a web address.");
  window.location.assign(url.href);
}

export function initAuthorize(root = document) {
  const allow = root.getElementById("authorize-allow");
  const deny = root.getElementById("authorize-deny");
  const status = root.getElementById("authorize-status");
  if (!allow || !deny || !status) return;
  const authorization = readAuthorization(root);
  if (!authorization) {
    say(status, "This page is damaged. Go back to the app and start again.", "danger");
    allow.disabled = deny.disabled = true;
    return;
  }
  const busy = (value) => {
    allow.disabled = deny.disabled = value;
    allow.setAttribute("aria-busy", String(value));
  };
  allow.addEventListener("click", async () => {
    busy(true);
    try {
      say(status, "Signing the permission with your key…");
      const key = await currentKey();
      const envelope = await signEnvelope(key, "session.open", authorization.body);
      say(status, "Recording the permission on the ledger…");
      const answer = await postJSON("/oauth/authorize", { request: authorization.request, envelope }, csrfHeaders());
      say(status, "Allowed. Returning to the app…", "success");
      follow(answer.redirect);
    } catch (error) {
      say(status, error instanceof Error ? error.message : "The permission could not be recorded.", "danger");
      busy(false);
    }
  });
  deny.addEventListener("click", async () => {
    busy(true);
    try {
      const answer = await postJSON("/oauth/authorize/deny", { request: authorization.request }, csrfHeaders());
      say(status, "Denied. Returning to the app…");
      follow(answer.redirect);
    } catch (error) {
      say(status, error instanceof Error ? error.message : "The answer could not be sent.", "danger");
      busy(false);
    }
  });
}
