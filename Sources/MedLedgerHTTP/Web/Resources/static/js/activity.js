// The patient's activity page (templates/patient/activity): rows whose actor is the signed-in
// account say "You" instead of the address, and the "Hide my own actions" switch (hidden until
// this script runs) hides them, so the reads and changes of others stand out. Without this script
// the page still shows every row with its address.

const me = document.querySelector('meta[name="ml-address"]')?.content;
const table = document.getElementById("activity-table");

if (me && table) {
  let own = 0;
  for (const row of table.querySelectorAll("tbody tr[data-actor]")) {
    if (row.dataset.actor !== me) continue;
    own += 1;
    row.classList.add("own-row");
    const who = row.querySelector(".activity-who");
    if (who) who.textContent = "You";
  }
  const toggle = document.getElementById("hide-own");
  const wrapper = document.getElementById("hide-own-field");
  const count = document.getElementById("own-count");
  if (toggle && wrapper) {
    wrapper.hidden = false;
    const total = table.querySelectorAll("tbody tr").length;
    const apply = () => {
      table.classList.toggle("hide-own", toggle.checked);
      if (count) count.textContent = `${own} of the ${total} events on this page are your own${toggle.checked && own ? " (hidden)" : ""}.`;
    };
    toggle.addEventListener("change", apply);
    apply();
  }
}
