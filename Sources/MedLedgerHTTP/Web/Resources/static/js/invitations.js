// The administrator's invitation form (templates/admin/invitations, docs/WEB.md "Invitations"):
// makes a fresh P-256 key pair and an id here, signs `invitation.create` carrying only the
// invitation's public key, and shows the link `/signup?invite=<id>#<private key>` once. The private
// key (its 32-byte scalar, base64url) sits in the URL fragment, which browsers never send to a
// server, and nothing here stores or logs it.

import { LedgerError, generateKeyPair, randomBytes, submit } from "./ledger.js";
import { busy, plainMessage, setStatus, statusElement } from "./forms.js";

const ROLE_WORDS = {
  doctor: "Doctor",
  patient: "Patient",
  hospital_management: "Hospital management",
  pharmacy: "Pharmacy staff",
  auditor: "Auditor",
};
/// The kind of organization each role joins ("" for none).
const ORGANIZATION_KIND = { doctor: "hospital", hospital_management: "hospital", pharmacy: "pharmacy", patient: "", auditor: "" };

function control(form, name) {
  return form.elements.namedItem(name);
}

function value(form, name) {
  const element = control(form, name);
  return element && typeof element.value === "string" ? element.value.trim() : "";
}

/// Shows the fields of the chosen role, and in the organization list only organizations of the
/// kind that role joins.
function showRoleFields(form) {
  const role = value(form, "role");
  for (const field of form.querySelectorAll("[data-invite-for]")) {
    const shown = field.dataset.inviteFor.split(/\s+/).includes(role);
    field.hidden = !shown;
    for (const input of field.querySelectorAll("input, select")) input.disabled = !shown;
  }
  const select = control(form, "organization");
  if (!select || form.dataset.organization) return;
  const kind = ORGANIZATION_KIND[role] || "";
  for (const option of select.options) {
    const fits = option.dataset.kind === kind || (option.dataset.kind === "none" && role === "doctor");
    option.hidden = !fits;
    option.disabled = !fits;
  }
  if (select.selectedOptions[0] && select.selectedOptions[0].disabled) {
    const first = Array.from(select.options).find((option) => !option.disabled);
    if (first) select.value = first.value;
  }
}

/// A readable id: `inv-` and 12 random base32 letters.
function newInvitationId() {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  return "inv-" + Array.from(randomBytes(12), (byte) => alphabet[byte % alphabet.length]).join("");
}

function formatExpiry(millis) {
  const date = new Date(millis);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (number) => String(number).padStart(2, "0");
  return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`;
}

async function createInvitation(form) {
  const role = value(form, "role");
  if (!ROLE_WORDS[role]) throw new LedgerError("Choose whom to invite.");
  const seconds = Number(value(form, "seconds"));
  if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 2592000) throw new LedgerError("Choose how long the invitation is valid.");
  const organizationControl = control(form, "organization");
  const organization = organizationControl && !organizationControl.disabled ? value(form, "organization") : "";
  if ((role === "hospital_management" || role === "pharmacy") && !organization) {
    throw new LedgerError("Choose the organization the new account joins.");
  }
  const licenceControl = control(form, "licence");
  const licence = licenceControl && !licenceControl.disabled ? value(form, "licence") : "";
  const label = value(form, "label");

  const step = busy(form, "Making the invitation…");
  try {
    const invitationKey = await generateKeyPair();
    const { d } = await crypto.subtle.exportKey("jwk", invitationKey.privateKey);
    if (typeof d !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(d)) throw new LedgerError("This browser could not make an invitation key.");
    const id = newInvitationId();
    const body = { id, publicKey: invitationKey.publicKey, role, seconds };
    if (organization) body.organization = organization;
    if (licence) body.licence = licence;
    if (label) body.label = label;
    step("Signing…");
    await submit("invitation.create", body);
    step.end();
    const link = `${window.location.origin}/signup?invite=${encodeURIComponent(id)}#${d}`;
    const chosen = organizationControl && !organizationControl.disabled ? organizationControl.selectedOptions[0] : null;
    showResult({ link, role, organization: chosen && organization ? chosen.textContent.trim() : "", expires: Date.now() + seconds * 1000 });
    form.reset();
    showRoleFields(form);
    setStatus(form, "Invitation created. Copy or print the link below now: it is not shown again.", "success");
  } catch (error) {
    step.end();
    throw error;
  }
}

function showResult({ link, role, organization, expires }) {
  const card = document.getElementById("invitation-result");
  if (!card) return;
  const fields = {
    role: ROLE_WORDS[role],
    organization: organization || "None",
    expires: `about ${formatExpiry(expires)}`,
  };
  for (const [name, text] of Object.entries(fields)) {
    const element = card.querySelector(`[data-invitation-field="${name}"]`);
    if (element) element.textContent = text;
  }
  const output = document.getElementById("invitation-link");
  output.value = link;
  card.hidden = false;
  const empty = document.getElementById("invitations-empty");
  if (empty) empty.textContent = "Your new invitation is listed here once you reload the page.";
  const heading = card.querySelector("h2");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

const form = document.getElementById("invitation-form");
if (form) {
  statusElement(form);
  const role = control(form, "role");
  if (role) role.addEventListener("change", () => showRoleFields(form));
  showRoleFields(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.working === "true") return;
    form.dataset.working = "true";
    try {
      setStatus(form, "");
      await createInvitation(form);
    } catch (error) {
      setStatus(form, plainMessage(error), "error");
    } finally {
      delete form.dataset.working;
    }
  });
}
