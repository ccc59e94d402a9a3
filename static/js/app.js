// Progressive enhancement only: every page works without this file.
// On a phone, tables stack into one block per row (app.css); each cell then shows its column's header.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("main table")) {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!headers.length) continue;
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => {
        if (headers[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", headers[i]);
      });
    }
  }
});

// The error summary (templates/includes/error_summary.html): focused on load, so a screen reader reads it first;
// each link moves the focus into its field, not only the scroll position (GOV.UK pattern).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (!summary) return;
  if (document.activeElement !== summary) summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target || !target.matches("input, select, textarea, button")) return;
    event.preventDefault();
    target.scrollIntoView({block: "center"});
    target.focus();
  });
});
