// Small helpers with no inline script (the content security policy forbids inline code).
document.addEventListener("click", function (ev) {
  if (ev.target.closest && ev.target.closest("button.print")) { window.print(); }
});
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) { htmx.config.includeIndicatorStyles = false; }
});
