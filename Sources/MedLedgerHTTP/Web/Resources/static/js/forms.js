// Forms that sign (docs/WEB.md "Forms that sign"): a <form data-tx="type"> becomes a transaction
// body, is signed in the page with the user's own key and posted to /v1/transactions. Also the
// small status/progress helpers the sign-in forms share.

import {
  LedgerError,
  currentKey,
  postJSON,
  signEnvelope,
  signedInAddress,
  uploadBlob,
  uploadJSON,
} from "./ledger.js";

// ---------------------------------------------------------------------------------------------
// Status and progress

/// The form's [role=status] element, created when the template has none so messages always show.
export function statusElement(form) {
  let element = form.querySelector("[role=status]");
  if (!element) {
    element = document.createElement("p");
    element.setAttribute("role", "status");
    element.setAttribute("aria-live", "polite");
    form.append(element);
  }
  return element;
}

/// kind: "info" (progress), "success", "notice" (a state to wait in, not a failure) or "error".
export function setStatus(form, message, kind = "info") {
  const element = statusElement(form);
  element.textContent = message;
  element.classList.remove("notice", "alert", "alert-danger", "alert-success", "status-info");
  if (!message) return;
  if (kind === "error") element.classList.add("alert", "alert-danger");
  else if (kind === "success") element.classList.add("alert", "alert-success");
  else if (kind === "notice") element.classList.add("notice");
  else element.classList.add("status-info");
}

/// Plain words for any error: a LedgerError's own message, never a stack trace.
export function plainMessage(error) {
  if (error instanceof LedgerError && error.message) {
    // A contract's refusal: its reason, without the ledger's restatement of the action (which
    // quotes account ids). The server's pages word the common reasons (DenialText).
    const denial = /^Denied: .* — (.+)$/s.exec(error.message);
    if (denial) return `Refused: ${denial[1].replace(/\.$/, "")}.`;
    if (error.retryAfter && /^\d+$/.test(error.retryAfter) && !/try again/i.test(error.message)) {
      const minutes = Math.max(1, Math.ceil(Number(error.retryAfter) / 60));
      return `${error.message} Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    return error.message;
  }
  if (error && error.name === "NotAllowedError") return "The browser did not allow that.";
  return "Something went wrong. Nothing was changed; please try again.";
}

/// Marks a form as working: disables its submit buttons and shows `text` on them and in the
/// status. Returns a function that shows the next step; call `.end()` on it when finished.
export function busy(form, text) {
  const buttons = Array.from(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"));
  for (const button of buttons) {
    if (!("labelBefore" in button.dataset)) button.dataset.labelBefore = buttonText(button);
    button.disabled = true;
  }
  form.setAttribute("aria-busy", "true");
  const step = (next) => {
    for (const button of buttons) setButtonText(button, next);
    setStatus(form, next);
  };
  step.end = () => {
    for (const button of buttons) {
      button.disabled = false;
      if ("labelBefore" in button.dataset) {
        setButtonText(button, button.dataset.labelBefore);
        delete button.dataset.labelBefore;
      }
    }
    form.removeAttribute("aria-busy");
  };
  step(text);
  return step;
}

/// A progress bar for one file upload, shown under the form's status line; screen readers hear
/// the percentage through the status region at each quarter.
function progressMeter(form, name) {
  let bar = form.querySelector("progress.upload-progress");
  if (!bar) {
    bar = document.createElement("progress");
    bar.className = "upload-progress";
    bar.max = 100;
    const status = statusElement(form);
    status.insertAdjacentElement("afterend", bar);
  }
  bar.hidden = false;
  bar.value = 0;
  bar.setAttribute("aria-label", `Uploading ${name}`);
  let announced = -1;
  return {
    update(sent, total) {
      const percent = total > 0 ? Math.floor((sent * 100) / total) : 0;
      bar.value = percent;
      const quarter = Math.floor(percent / 25);
      if (quarter !== announced) {
        announced = quarter;
        setStatus(form, `Uploading ${name}: ${percent}%`);
      }
    },
    done() {
      bar.hidden = true;
    },
  };
}

function buttonText(button) {
  return button instanceof HTMLInputElement ? button.value : button.textContent;
}

function setButtonText(button, text) {
  if (button instanceof HTMLInputElement) button.value = text;
  else button.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Reading a form into a body

const SKIPPED_TYPES = new Set(["submit", "button", "reset", "image", "file"]);

/// Sets `value` at a dotted path ("scope.kind") in `target`.
export function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null || Array.isArray(node[part])) node[part] = {};
    node = node[part];
  }
  node[parts[parts.length - 1]] = value;
}

function labelOf(control) {
  const label = control.labels && control.labels[0];
  return label ? label.textContent.trim().replace(/\s*\*$/, "") : control.name;
}

/// Converts a control's text by its data-type; throws a LedgerError naming the field.
export function convert(control, text) {
  const type = control.dataset.type;
  if (!type) return text;
  switch (type) {
    case "int": {
      const number = Number(text);
      if (!Number.isInteger(number)) throw new LedgerError(`${labelOf(control)} must be a whole number.`);
      return number;
    }
    case "number": {
      // The browser checks min, max and step before the form submits; this catches the rest.
      const number = Number(text);
      const min = control.min === "" ? -Infinity : Number(control.min);
      const max = control.max === "" ? Infinity : Number(control.max);
      if (!Number.isFinite(number) || number < min || number > max) {
        throw new LedgerError(`${labelOf(control)} must be a number from ${control.min} to ${control.max}.`);
      }
      return number;
    }
    case "time": {
      const ms = toMillis(text);
      if (ms === null) throw new LedgerError(`${labelOf(control)} is not a date or time.`);
      return ms;
    }
    case "bool":
      return text === true || text === "true" || text === "on" || text === "yes";
    case "lines":
      // One value per line (a textarea of addresses): blank lines are left out.
      return String(text).split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        throw new LedgerError(`${labelOf(control)} is not valid JSON.`);
      }
    default:
      return text;
  }
}

/// `date` (YYYY-MM-DD) and `datetime-local` (YYYY-MM-DDTHH:MM) values are read as UTC, the zone
/// every page shows times in (and the one the server uses for `{query.…}` dates), so a time typed
/// in a form reads back the same on the page.
export function toMillis(text) {
  if (/^\d{12,14}$/.test(text)) return Number(text);
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(text);
  if (match) {
    const [, y, mo, d, h = "0", mi = "0", s = "0", ms = "0"] = match;
    const value = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, "0")));
    return Number.isNaN(value) ? null : value;
  }
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : parsed;
}

/// One control's value, or undefined to leave the field out.
function controlValue(control) {
  if (control.type === "checkbox") {
    if (control.dataset.type === "bool") return control.checked;
    if (!control.checked) return undefined;
    return convert(control, control.value);
  }
  if (control.type === "radio") return control.checked ? convert(control, control.value) : undefined;
  if (control instanceof HTMLSelectElement && control.multiple) {
    const values = Array.from(control.selectedOptions, (o) => o.value).filter((v) => v !== "");
    return values.length ? values.map((v) => convert(control, v)) : undefined;
  }
  // Single-line text is trimmed (stray spaces are never meant); a textarea is kept as written.
  const text = control instanceof HTMLTextAreaElement ? control.value : control.value.trim();
  if (text.trim() === "") return undefined;
  return convert(control, text);
}

/// Reads the form: `{body, docs: {field: object}, files: [{field, file}]}`.
export function readForm(form) {
  const body = {};
  const docs = {};
  const files = [];
  const checkboxCounts = {};
  for (const control of form.elements) {
    if (control.type === "checkbox" && control.name) checkboxCounts[control.name] = (checkboxCounts[control.name] || 0) + 1;
  }
  for (const control of form.elements) {
    if (control.disabled || control.closest("fieldset[disabled]")) continue;
    if (control.type === "file") {
      if (control.dataset.file && control.files && control.files.length) files.push({ field: control.dataset.file, file: control.files[0] });
      continue;
    }
    if (!control.name || SKIPPED_TYPES.has(control.type) || control instanceof HTMLFieldSetElement ||
        control instanceof HTMLOutputElement || control instanceof HTMLButtonElement) continue;
    const value = controlValue(control);
    if (value === undefined) continue;
    let target = body;
    if (control.dataset.doc) target = docs[control.dataset.doc] ??= {};
    // Several checked checkboxes of one name make a list.
    if (control.type === "checkbox" && control.dataset.type !== "bool" && checkboxCounts[control.name] > 1) {
      const existing = getPath(target, control.name);
      setPath(target, control.name, Array.isArray(existing) ? [...existing, value] : [value]);
    } else {
      setPath(target, control.name, value);
    }
  }
  return { body, docs, files };
}

function getPath(target, path) {
  return path.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), target);
}

// ---------------------------------------------------------------------------------------------
// Signing forms

/// Follows data-redirect; `{event.field}` in it is replaced by the answer's audit event field
/// (for example `/patient/records/{event.record}` after creating a record).
function redirectTarget(form, answer) {
  const template = form.dataset.redirect;
  if (!template) return null;
  const event = (answer && answer.event) || {};
  return template.replace(/\{event\.([A-Za-z]+)\}/g, (_, name) => encodeURIComponent(event[name] ?? ""));
}

/// A fresh object id for controls marked `data-generate="id"`: the control's `data-prefix` (or
/// "id") and 80 random bits in hex, so ids reveal nothing and never collide in practice.
export function generateIds(form) {
  for (const control of form.querySelectorAll('[data-generate="id"]')) {
    const bytes = crypto.getRandomValues(new Uint8Array(10));
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    control.value = `${control.dataset.prefix || "id"}-${hex}`;
  }
}

async function submitSigningForm(form) {
  if (form.dataset.working === "true") return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  form.dataset.working = "true";
  let step = null;
  try {
    generateIds(form);
    const { body, docs, files } = readForm(form);
    const key = await currentKey();
    const owner = form.dataset.owner || signedInAddress();
    const docFields = Object.keys(docs).filter((field) => Object.keys(docs[field]).length > 0);
    if (docFields.length || files.length) {
      step = busy(form, "Uploading…");
      for (const field of docFields) setPath(body, field, await uploadJSON(key, owner, docs[field]));
      for (const { field, file } of files) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const meter = progressMeter(form, file.name);
        try {
          setPath(
            body,
            field,
            await uploadBlob(key, owner, bytes, file.type || "application/octet-stream", {
              name: file.name,
              onProgress: (sent, total) => meter.update(sent, total),
            }),
          );
        } finally {
          meter.done();
        }
      }
      step("Signing…");
    } else {
      step = busy(form, "Signing…");
    }
    const envelope = await signEnvelope(key, form.dataset.tx, body);
    step("Saving…");
    const answer = await postJSON("/v1/transactions", envelope);
    const message = (answer.event && answer.event.message) || "Saved.";
    setStatus(form, `Done: ${message}`, "success");
    form.dispatchEvent(new CustomEvent("ledger:signed", { bubbles: true, detail: answer }));
    const target = redirectTarget(form, answer);
    if (target) window.location.assign(target);
    else window.location.reload();
  } catch (error) {
    if (step) step.end();
    setStatus(form, plainMessage(error), "error");
  } finally {
    delete form.dataset.working;
  }
}

/// The auditor's "Run tally check" (<form data-tally-run data-record="id">): signs an audit.trail
/// read of the record with the user's key and posts it to /v1/audit/tally. The node runs the check
/// and records the result on the ledger itself; the page then reloads to show what it recorded.
async function runTallyCheck(form) {
  if (form.dataset.working === "true") return;
  form.dataset.working = "true";
  let step = null;
  try {
    const key = await currentKey();
    step = busy(form, "Signing…");
    const envelope = await signEnvelope(key, "audit.trail", { record: form.dataset.record, limit: 1 });
    step("Checking…");
    const answer = await postJSON("/v1/audit/tally", envelope);
    const found = answer.tally && Array.isArray(answer.tally.discrepancies) ? answer.tally.discrepancies.length : 0;
    const recorded = answer.recorded ? ` The node recorded it at entry #${answer.recorded.index}.` : "";
    setStatus(form, (found === 0 ? "The trail tallies." : `The check found ${found} discrepancy(ies).`) + recorded, found === 0 ? "success" : "error");
    window.location.reload();
  } catch (error) {
    if (step) step.end();
    setStatus(form, plainMessage(error), "error");
  } finally {
    delete form.dataset.working;
  }
}

export function initForms(root = document) {
  for (const form of root.querySelectorAll("form[data-tx]")) {
    if (form.dataset.ledgerBound) continue;
    form.dataset.ledgerBound = "true";
    statusElement(form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitSigningForm(form);
    });
  }
  for (const form of root.querySelectorAll("form[data-tally-run]")) {
    if (form.dataset.ledgerBound) continue;
    form.dataset.ledgerBound = "true";
    statusElement(form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      runTallyCheck(form);
    });
  }
}
