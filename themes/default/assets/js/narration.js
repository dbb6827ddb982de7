// The story's audio player: reveals the speed choice (the page works without it) and keeps the
// shown length in step with the file once its metadata has loaded.
(function () {
  "use strict";
  var section = document.querySelector("[data-narration]");
  if (!section) return;
  var audio = section.querySelector("audio");
  var speed = section.querySelector("[data-narration-speed]");
  var select = speed && speed.querySelector("select");
  var shown = section.querySelector("[data-narration-duration]");
  if (!audio) return;
  if (speed && select) {
    speed.hidden = false;
    select.addEventListener("change", function () {
      var rate = parseFloat(select.value);
      if (rate >= 0.5 && rate <= 2) audio.playbackRate = rate;
    });
  }
  function clock(seconds) {
    var total = Math.round(seconds);
    var h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, s = total % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h > 0 ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }
  audio.addEventListener("loadedmetadata", function () {
    if (shown && isFinite(audio.duration) && audio.duration > 0) shown.textContent = clock(audio.duration);
    section.setAttribute("data-narration-loaded", "true");
  });
  // The chosen speed survives the browser resetting it when the source reloads.
  audio.addEventListener("play", function () {
    if (select) audio.playbackRate = parseFloat(select.value) || 1;
  });
})();
