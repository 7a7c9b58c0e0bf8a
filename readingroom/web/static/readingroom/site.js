// Small behaviours for every page (no inline scripts: the Content-Security-Policy allows none).
document.addEventListener("change", (event) => {
  const el = event.target.closest("select[data-autosubmit]");
  if (el && el.form) el.form.submit();
});

// The document page's sidebar sections are <details>, open in the HTML (so the page works without
// scripts). On a narrow screen, where the sidebar follows the text, the long ones start closed.
(function () {
  "use strict";
  const narrow = window.matchMedia("(max-width: 63.99rem)");
  if (narrow.matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach((d) => { d.open = false; });
  }
  // "Cite" (in the document's header) opens the Cite panel and moves the focus into it.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.cite-open");
    if (!link) return;
    const panel = document.getElementById(link.getAttribute("aria-controls"));
    if (!panel) return;
    event.preventDefault();
    panel.open = true;
    const summary = panel.querySelector("summary");
    panel.scrollIntoView({ block: "start" });
    if (summary) summary.focus();
    panel.classList.add("flash");
    setTimeout(() => panel.classList.remove("flash"), 1500);
    if (history.replaceState) history.replaceState(null, "", "#cite");
  });
  // Printing shows every section, open or not.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details:not([open])").forEach((d) => { d.dataset.printOpened = "1"; d.open = true; });
  });
  window.addEventListener("afterprint", () => {
    document.querySelectorAll("details[data-print-opened]").forEach((d) => { d.open = false; delete d.dataset.printOpened; });
  });
})();
