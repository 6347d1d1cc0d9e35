// The directory search of the grant form (patient's Access page): choosing a professional found by
// name puts their account id into the form's id field, without reloading the page. Without
// JavaScript the "Choose" link reloads the page with the id filled in by the server instead.

import { shortValue } from "./display.js";

/// Wires every `[data-pick-grantee]` link under `root` to the field its `data-target` names.
///
/// After a search the page opens at its results: focus moves there, so a screen reader reads the
/// count and a keyboard continues from the results.
export function initDirectory(root = document) {
  const results = root.getElementById?.("directory-results-region");
  if (results && window.location.hash === "#directory-results-region") results.focus();
  for (const link of root.querySelectorAll("[data-pick-grantee]")) {
    link.addEventListener("click", (event) => {
      const field = document.getElementById(link.dataset.target || "");
      if (!field) return;
      event.preventDefault();
      const id = link.dataset.pickGrantee;
      field.value = id;
      // The id field is used instead of the doctor list: clear that choice so the two never disagree.
      const doctors = document.getElementById("grant-doctor");
      if (doctors) doctors.value = "";
      const status = document.getElementById("grant-picked");
      if (status) status.textContent = `Chosen: ${link.dataset.name} (${shortValue(id)}). Choose what they may see, then give access.`;
      field.focus();
    });
  }
}
