// How long values and times look on every page: one place for both.
//
// Account ids (42 characters), CIDs (59) and hashes are shortened to their first 6 and last 4
// characters; the full value stays in the element's title, in a copy button's accessible name,
// and is what the copy button puts on the clipboard. Times use the format the server renders.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `21 Nov 2026, 09:30 UTC`, as TemplateValue.format(time:) renders on the server.
export function formatTime(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())} UTC`;
}

/// `ml1a2b…9f0e`: the first 6 and last 4 characters of a long value.
export function shortValue(text) {
  return text.length > 16 ? `${text.slice(0, 6)}…${text.slice(-4)}` : text;
}

const SELECTOR = "code.address, code.cid, code.hash";

/// Shortens every long id, CID and hash under `root` that is not marked `data-full-value`
/// (kept whole on purpose, such as the id a page is about), and adds a copy button after it
/// unless it sits inside a link or another control.
/// The full value stays in the element: read by screen readers and printed, only hidden on screen.
export function shortenIds(root = document) {
  for (const element of root.querySelectorAll(SELECTOR)) {
    if (element.dataset.shortened || element.hasAttribute("data-full-value") || element.children.length) continue;
    const full = element.textContent.trim();
    if (full.length <= 16) continue;
    element.dataset.shortened = "true";
    element.title = full;
    element.classList.add("short-id");
    const short = document.createElement("span");
    short.className = "id-short";
    short.setAttribute("aria-hidden", "true");
    short.textContent = shortValue(full);
    const whole = document.createElement("span");
    whole.className = "id-full";
    whole.textContent = full;
    element.replaceChildren(short, whole);
    // Inside a link or button the value is already reachable (its name holds the full value), and
    // a button may not nest in another control.
    if (element.closest("a, button, label, summary, select, option")) continue;
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy-id no-print";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", `Copy ${full}`);
    copy.title = "Copy the full value";
    copy.addEventListener("click", () => copyValue(copy, whole));
    element.after(copy);
  }
}

async function copyValue(button, whole) {
  try {
    await navigator.clipboard.writeText(whole.textContent);
    button.textContent = "Copied";
  } catch {
    // No clipboard (insecure context or permission): show the full value selected, to copy by hand.
    whole.classList.add("id-full-shown");
    const range = document.createRange();
    range.selectNodeContents(whole);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  setTimeout(() => {
    button.textContent = "Copy";
  }, 1500);
}

/// Shortens ids added later (proof results, CIDs a trail check fills in).
export function watchIds(root = document.body) {
  new MutationObserver(() => shortenIds(document)).observe(root, { childList: true, subtree: true, characterData: true });
}
