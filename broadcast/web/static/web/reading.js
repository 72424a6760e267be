// Giọng người đọc: record a segment with the browser's microphone (MediaRecorder, webm/opus),
// listen to the take, then submit it with the normal form (the file input receives the take).
(function () {
  "use strict";
  function setup(form) {
    var box = form.querySelector(".recorder");
    var input = form.querySelector("input[type=file]");
    var source = form.querySelector("input[name=source]");
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) {
      form.querySelector(".no-mic").hidden = false;
      return;
    }
    box.hidden = false;
    var rec = box.querySelector("button.rec"), stop = box.querySelector("button.stop");
    var take = box.querySelector("audio.take"), state = box.querySelector(".rec-state");
    var recorder = null, chunks = [], started = 0, timer = null;
    rec.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
        recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
        chunks = [];
        recorder.ondataavailable = function (e) { if (e.data && e.data.size) { chunks.push(e.data); } };
        recorder.onstop = function () {
          clearInterval(timer);
          stream.getTracks().forEach(function (t) { t.stop(); });
          var mime = recorder.mimeType || "audio/webm";
          var ext = mime.indexOf("ogg") >= 0 ? ".ogg" : (mime.indexOf("mp4") >= 0 ? ".m4a" : ".webm");
          var blob = new Blob(chunks, { type: mime });
          var dt = new DataTransfer();
          dt.items.add(new File([blob], "ghi-am" + ext, { type: mime }));
          input.files = dt.files;
          source.value = "micro";
          take.src = URL.createObjectURL(blob);
          take.hidden = false;
          var secs = Math.round((Date.now() - started) / 1000);
          state.textContent = "Đã ghi " + secs + " giây. Nghe lại, rồi bấm “Lưu bản ghi” (hoặc ghi lại).";
          form.classList.add("has-take");
          rec.disabled = false;
          stop.disabled = true;
        };
        recorder.start(1000);
        started = Date.now();
        rec.disabled = true;
        stop.disabled = false;
        state.textContent = "Đang ghi… đọc hết đoạn rồi bấm Dừng.";
        timer = setInterval(function () {
          state.textContent = "Đang ghi " + Math.round((Date.now() - started) / 1000) + " giây… đọc hết đoạn rồi bấm Dừng.";
        }, 1000);
      }).catch(function (err) {
        state.textContent = "Không dùng được micro (" + err.name + "): kiểm tra micro, cho phép trình duyệt dùng micro, hoặc tải tệp lên.";
      });
    });
    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
    });
    input.addEventListener("change", function () { source.value = "upload"; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.reading-form"), setup);
  });
})();
