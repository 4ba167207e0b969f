(function () {
  "use strict";
  // Every state was computed by the lesson's Python: a state is the index of a
  // combination of the controls' values (the last control varying fastest), and
  // showing it swaps each curve's path data and the sentence. No arithmetic here.
  var REDUCED = "(prefers-reduced-motion: reduce)";
  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia(REDUCED).matches);
  }
  function init(root) {
    if (root.hasAttribute("data-ready")) return;
    root.setAttribute("data-ready", "");
    var data = JSON.parse(root.querySelector(".course-explorable-data").textContent);
    var paths = {};
    root.querySelectorAll("path[data-curve]").forEach(function (path) {
      paths[path.getAttribute("data-curve")] = path;
    });
    var says = root.querySelector(".course-explorable-says");
    var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
    var texts = inputs.map(function (input) {
      return input.dataset.texts ? JSON.parse(input.dataset.texts) : null;
    });
    var play = root.querySelector(".course-explorable-play");
    var timer = null;

    function show() {
      var state = 0;
      inputs.forEach(function (input, k) {
        var i = Math.max(0, Math.min(data.sizes[k] - 1, Math.round(Number(input.value))));
        state = state * data.sizes[k] + i;
        if (texts[k]) {
          input.setAttribute("aria-valuetext", texts[k][i]);
          var output = root.querySelector('output[for="' + input.id + '"]');
          if (output) output.textContent = texts[k][i];
        }
      });
      var shown = data.states[state];
      data.curves.forEach(function (name, c) {
        paths[name].setAttribute("d", shown[0][c]);
      });
      says.textContent = shown[1];
      root.dataset.state = String(state);
    }
    function pause() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      root.removeAttribute("data-playing");
      play.textContent = "Play";
      says.setAttribute("aria-live", "polite");
    }
    function step() {
      // The played slider is the one just before the button.
      var slider = play.previousElementSibling.querySelector("input");
      var next = Number(slider.value) + 1;
      if (!root.isConnected || next > Number(slider.max)) { pause(); return; }
      slider.value = String(next);
      show();
      if (next >= Number(slider.max)) { pause(); return; }
      // Reduced motion: play only on a press, and at most one step a second.
      timer = setTimeout(step, reducedMotion() ? 1000 : 250);
    }
    if (play) {
      play.addEventListener("click", function () {
        if (root.hasAttribute("data-playing")) { pause(); return; }
        var slider = play.previousElementSibling.querySelector("input");
        root.setAttribute("data-playing", "");
        play.textContent = "Pause";
        says.setAttribute("aria-live", "off");  // no announcement per step
        if (Number(slider.value) >= Number(slider.max)) slider.value = "0";
        step();
      });
    }
    inputs.forEach(function (input) {
      input.addEventListener("input", function () { if (play) pause(); show(); });
      input.addEventListener("change", show);
      // A key pressed on a control is the control's: JupyterLab's notebook takes
      // arrow keys for its own commands and cancels them otherwise.
      input.addEventListener("keydown", function (event) { event.stopPropagation(); });
    });
    root.querySelector(".course-explorable-controls").hidden = false;
    var hint = root.querySelector(".course-explorable-hint");
    if (hint) hint.hidden = true;
    show();
  }
  var here = document.currentScript && document.currentScript.parentElement;
  if (here && here.classList.contains("course-explorable")) init(here);
  document.querySelectorAll(".course-explorable").forEach(init);
})();
