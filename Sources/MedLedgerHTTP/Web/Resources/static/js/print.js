// The buttons of the record print and copy pages (templates/record/print and record/copy):
// <button data-action="print"> opens the browser's print dialog, and
// <button data-action="copy" data-target="<textarea id>"> copies the textarea's text. Loaded as a
// same-origin module, so the Content-Security-Policy allows it without inline script.

function say(message) {
  const status = document.getElementById("copy-status");
  if (status) status.textContent = message;
}

async function copyFrom(button) {
  const source = document.getElementById(button.dataset.target || "");
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.value);
    say("Copied to the clipboard.");
  } catch {
    // Clipboard access can be refused (insecure origin, permissions): select the text instead so
    // the user can copy it with the keyboard.
    source.focus();
    source.select();
    say("The browser did not allow copying. The text is selected: press Ctrl+C (or ⌘C) to copy it.");
  }
}

for (const button of document.querySelectorAll("button[data-action=print]")) {
  button.addEventListener("click", () => window.print());
}

for (const button of document.querySelectorAll("button[data-action=copy]")) {
  button.addEventListener("click", () => copyFrom(button));
}
