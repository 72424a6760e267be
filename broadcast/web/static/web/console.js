// Small helpers with no inline script (the content security policy forbids inline code).
document.addEventListener("click", function (ev) {
  if (ev.target.closest && ev.target.closest("button.print")) { window.print(); }
});
document.addEventListener("DOMContentLoaded", function () {
  if (window.htmx) { htmx.config.includeIndicatorStyles = false; }
});
// Chapters of a programme: a click plays the programme from the start of that segment.
document.addEventListener("click", function (ev) {
  var seek = ev.target.closest && ev.target.closest("button.seek");
  if (!seek) { return; }
  var player = seek.closest(".player");
  var audio = player && player.querySelector("audio");
  if (!audio) { return; }
  audio.currentTime = parseFloat(seek.getAttribute("data-start")) || 0;
  audio.play();
});
// After saving a segment the page comes back at #doan-N: open that segment again.
function openSegmentFromHash() {
  var m = /^#doan-\d+$/.exec(window.location.hash);
  var seg = m && document.querySelector(m[0]);
  if (seg && seg.tagName === "DETAILS") { seg.open = true; seg.scrollIntoView(); }
}
document.addEventListener("DOMContentLoaded", openSegmentFromHash);
window.addEventListener("hashchange", openSegmentFromHash);
// A cue control: the number box (seconds of a pause, dB of a gain) only where it means something.
document.addEventListener("change", function (ev) {
  var select = ev.target;
  if (!select.closest || select.tagName !== "SELECT" || !select.closest(".cue")) { return; }
  var num = select.closest(".cue").querySelector(".cue-num");
  var unit = { pause: "giây", gain: "dB" }[select.value] || "";
  if (num) { num.hidden = !unit; num.querySelector(".unit").textContent = unit; }
});
// Forms that ask first (the playout panel's Dừng / Bỏ qua): <form data-confirm="question">.
document.addEventListener("submit", function (ev) {
  var q = ev.target.getAttribute && ev.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) { ev.preventDefault(); }
});
