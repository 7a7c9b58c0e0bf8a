// Small behaviours for every page (no inline scripts: the Content-Security-Policy allows none).
document.addEventListener("change", (event) => {
  const el = event.target.closest("select[data-autosubmit]");
  if (el && el.form) el.form.submit();
});
