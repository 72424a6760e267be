// Small helpers with no inline script (the content security policy forbids inline code).
document.addEventListener("click", function (ev) {
  if (ev.target.closest && ev.target.closest("button.print")) { window.print(); }
});
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) { htmx.config.includeIndicatorStyles = false; }
});
// Forms that ask first (the playout panel's Dừng / Bỏ qua): <form data-confirm="question">.
document.addEventListener("submit", function (ev) {
  var q = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) { ev.preventDefault(); }
});
