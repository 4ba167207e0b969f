
(function () {
  "use strict";
  var REDUCED = "(prefers-reduced-motion: reduce)";
  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia(REDUCED).matches);
  }
  // The sprite is the image output shown just before the player (myst-nb: the
  // previous sibling of the player's output; JupyterLab: the previous output
  // area child). Look at earlier siblings of the player and of a few of its
  // ancestors, nearest first; the image's size confirms it.
  function candidates(root) {
    var found = [];
    var node = root;
    for (var depth = 0; depth < 4 && node && node.parentElement; depth++) {
      var sib = node.previousElementSibling;
      for (; sib; sib = sib.previousElementSibling) {
        var imgs = sib.tagName === "IMG" ? [sib] : sib.querySelectorAll("img");
        for (var i = imgs.length - 1; i >= 0; i--) found.push(imgs[i]);
      }
      node = node.parentElement;
    }
    return found;
  }
  function init(root) {
    if (root.hasAttribute("data-ready")) return;
    root.setAttribute("data-ready", "");
    var n = Number(root.dataset.frames);
    var width = Number(root.dataset.width);
    var height = Number(root.dataset.height);
    var density = Number(root.dataset.density) || 1;  // sprite pixels per CSS pixel
    var interval = Number(root.dataset.interval) || 200;
    var labels = JSON.parse(root.dataset.labels);
    var controls = root.querySelector(".course-animation-controls");
    var play = root.querySelector(".course-animation-play");
    var prev = root.querySelector(".course-animation-prev");
    var next = root.querySelector(".course-animation-next");
    var slider = root.querySelector(".course-animation-slider");
    var label = root.querySelector(".course-animation-label");
    var hint = root.querySelector(".course-animation-hint");
    var sprite = null;
    var timer = null;
    var frame = 0;

    function show(k) {
      frame = Math.max(0, Math.min(n - 1, k));
      root.dataset.frame = String(frame);
      slider.value = String(frame);
      slider.setAttribute("aria-valuetext", labels[frame]);
      label.textContent = labels[frame];
      if (sprite) {
        var y = n > 1 ? (100 * frame) / (n - 1) : 0;
        sprite.style.objectPosition = "0 " + y + "%";
      }
    }
    function pause() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      root.removeAttribute("data-playing");
      play.setAttribute("aria-label", "Play");
      play.title = "Play";
      label.setAttribute("aria-live", "polite");
    }
    function schedule() {
      // Reduced motion: play only on a press, and at most one frame a second.
      var slow = reducedMotion() ? Math.max(interval, 1000) : interval;
      timer = setTimeout(tick, slow);
    }
    function tick() {
      timer = null;
      if (!root.isConnected || frame >= n - 1) { pause(); return; }
      show(frame + 1);
      if (frame >= n - 1) pause(); else schedule();
    }
    function start() {
      root.setAttribute("data-playing", "");
      play.setAttribute("aria-label", "Pause");
      play.title = "Pause";
      label.setAttribute("aria-live", "off");  // no announcement per frame
      // The press shows at once: the next frame, or the first one again.
      if (frame >= n - 1) { show(0); schedule(); } else tick();
    }
    play.addEventListener("click", function () {
      if (root.hasAttribute("data-playing")) pause(); else start();
    });
    prev.addEventListener("click", function () { pause(); show(frame - 1); });
    next.addEventListener("click", function () { pause(); show(frame + 1); });
    slider.addEventListener("input", function () {
      pause();
      show(Number(slider.value));
    });

    function claim(img) {
      // Its pixels, or before it loads the display size its attributes give.
      var w = img.naturalWidth / density || Number(img.getAttribute("width"));
      var h = img.naturalHeight / density || Number(img.getAttribute("height"));
      if (sprite || w !== width || h !== height * n) return false;
      sprite = img;
      img.setAttribute("data-course-animation", root.id);
      var alt = img.getAttribute("alt");
      if (!alt || alt === img.getAttribute("src")) img.alt = root.dataset.alt;
      var s = img.style;
      s.display = "block";
      s.boxSizing = "content-box";  // the frame's aspect ratio is the content's
      s.padding = "0";
      s.width = width + "px";
      s.maxWidth = "100%";
      s.height = "auto";
      s.aspectRatio = width + " / " + height;
      s.objectFit = "cover";
      controls.hidden = false;
      if (hint) hint.hidden = true;
      show(frame);
      return true;
    }
    var tries = 0;
    var watched = [];
    function find() {
      candidates(root).forEach(function (img) {
        if (img.hasAttribute("data-course-animation") || watched.indexOf(img) >= 0) {
          return;
        }
        watched.push(img);
        // A lazy image loads once it nears the viewport: claim it then.
        claim(img);
        img.addEventListener("load", function () { claim(img); });
      });
      // Notebook front ends may attach the image output after the player's.
      if (!sprite && ++tries < 20) setTimeout(find, 100 * tries);
    }
    show(0);
    find();
  }
  var here = document.currentScript && document.currentScript.parentElement;
  if (here && here.classList.contains("course-animation")) init(here);
  document.querySelectorAll(".course-animation").forEach(init);
})();
