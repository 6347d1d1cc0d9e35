// Profile forms (docs/WEB.md "Profiles"): selects show the saved value, and a date of birth shows
// the age it gives as the patient types. Age is never stored: the server works it out again
// whenever a profile is shown.

/// Whole years from a YYYY-MM-DD date to today (UTC, the zone every page shows dates in); null
/// for anything that is not a date, or a date after today.
export function ageFrom(text, today = new Date()) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const born = new Date(Date.UTC(year, month - 1, day));
  if (born.getUTCFullYear() !== year || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day) return null;
  let years = today.getUTCFullYear() - year;
  const beforeBirthday = today.getUTCMonth() + 1 < month || (today.getUTCMonth() + 1 === month && today.getUTCDate() < day);
  if (beforeBirthday) years -= 1;
  return years >= 0 ? years : null;
}

function showAge(input) {
  const output = document.getElementById(input.dataset.ageOutput);
  if (!output) return;
  const age = ageFrom(input.value);
  output.textContent = age === null ? (input.value ? "Not a date of birth in the past." : "") : `Age: ${age} year${age === 1 ? "" : "s"}`;
}

export function initProfiles(root = document) {
  for (const select of root.querySelectorAll("select[data-value]")) {
    const wanted = select.dataset.value;
    if (wanted && Array.from(select.options).some((option) => option.value === wanted)) select.value = wanted;
  }
  for (const input of root.querySelectorAll("input[data-age-output]")) {
    input.max = new Date().toISOString().slice(0, 10);
    input.addEventListener("input", () => showAge(input));
    input.addEventListener("change", () => showAge(input));
    if (input.value) showAge(input);
  }
}
