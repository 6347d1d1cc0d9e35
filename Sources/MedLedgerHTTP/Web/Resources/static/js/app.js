// Entry module of every page: binds the sign-in and signing forms present on the page, and tells a
// signed-in user when this device cannot sign for them. Module scripts run after the document is
// parsed, so the DOM is complete here.

import { initAuth } from "./auth.js";
import { initForms } from "./forms.js";
import { initDirectory } from "./directory.js";
import { initProfiles } from "./profile.js";
import { initAuthorize } from "./authorize.js";
import { shortenIds, watchIds } from "./display.js";
import { loadKey, signedInAddress } from "./ledger.js";

async function checkDeviceKey() {
  const address = signedInAddress();
  if (!address || (await loadKey(address))) return;
  const main = document.querySelector("main") || document.body;
  const banner = document.createElement("div");
  banner.className = "alert alert-warning";
  banner.setAttribute("role", "status");
  banner.dataset.missingKey = "true";
  banner.id = "missing-key-banner";
  const textNode = document.createElement("p");
  textNode.append(
    "This device does not hold your key — ",
    link("/login", "sign in again"),
    " or ",
    link("/account#key-import", "import your key file"),
    " to make changes. You can still read everything.",
  );
  banner.append(textNode);
  main.prepend(banner);
}

function link(href, label) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = label;
  return a;
}

/// Marks the navigation link of the current page for assistive technology (and the stylesheet).
function markCurrentPage() {
  const here = window.location.pathname.replace(/\/+$/, "") || "/";
  for (const a of document.querySelectorAll('nav[aria-label="Main"] a[href]')) {
    if (a.getAttribute("href") === here) a.setAttribute("aria-current", "page");
  }
}

/// Tables a template did not wrap still scroll sideways on a phone instead of widening the page.
function wrapTables() {
  for (const table of document.querySelectorAll("main table")) {
    if (table.parentElement.classList.contains("table-wrap")) continue;
    const wrapper = document.createElement("div");
    wrapper.className = "table-wrap";
    table.replaceWith(wrapper);
    wrapper.append(table);
  }
}

markCurrentPage();
wrapTables();
shortenIds(document);
watchIds();
initAuth(document);
initProfiles(document);
initForms(document);
initDirectory(document);
initAuthorize(document);
checkDeviceKey();
for (const section of document.querySelectorAll("[data-verify-trail]")) {
  import("./proofs.js").then((proofs) => proofs.verifyTrail(section));
}
