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
