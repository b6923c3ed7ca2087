/* Field service pages: check-in position, signature pads and the report's draft.
   A static file: the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";

  // --- check-in: the position when the browser allows it, never blocking ---------------------
  function geolocate(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || !navigator.geolocation) { return; }
      event.preventDefault();
      var sent = false;
      function send() {
        if (sent) { return; }
        sent = true;
        form.dataset.located = "1";
        form.submit();
      }
      var fallback = window.setTimeout(send, 6000);
      try {
        navigator.geolocation.getCurrentPosition(function (position) {
          form.elements.latitude.value = position.coords.latitude;
          form.elements.longitude.value = position.coords.longitude;
          form.elements.accuracy.value = position.coords.accuracy;
          window.clearTimeout(fallback);
          send();
        }, function () { window.clearTimeout(fallback); send(); },
        { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 });
      } catch (error) { window.clearTimeout(fallback); send(); }
    });
  }

  // --- signature pads: pointer events on a canvas, stored as a PNG data URL -------------------
  function pad(canvas) {
    var input = document.querySelector('input[name="' + canvas.dataset.signature + '"]');
    var context = canvas.getContext("2d");
    var drawing = false;
    var last = null;
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: (event.clientX - box.left) * canvas.width / box.width,
               y: (event.clientY - box.top) * canvas.height / box.height };
    }
    function save() {
      input.value = canvas.toDataURL("image/png");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
      context.beginPath();
      context.arc(last.x, last.y, 1, 0, 2 * Math.PI);
      context.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    function stop() {
      if (!drawing) { return; }
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    var clear = document.querySelector('[data-signature-clear="' + canvas.dataset.signature + '"]');
    if (clear) {
      clear.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        input.value = "";
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    canvas.restore = function (dataUrl) {
      if (!dataUrl || dataUrl.indexOf("data:image/png;base64,") !== 0) { return; }
      var image = new Image();
      image.onload = function () { context.drawImage(image, 0, 0, canvas.width, canvas.height); };
      image.src = dataUrl;
    };
    if (input && input.value) { canvas.restore(input.value); }
  }

  // --- the report's draft: kept in the browser until the server has the report ----------------
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && element.name !== "csrfmiddlewaretoken" && element.type !== "submit";
    });
  }

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function draft(form) {
    var store = storage();
    var key = form.dataset.draft;
    if (!store || !key) { return; }
    function keep() {
      var values = {};
      fields(form).forEach(function (element) {
        (values[element.name] = values[element.name] || []).push(element.value);
      });
      try { store.setItem(key, JSON.stringify(values)); } catch (error) { /* full: keep going */ }
    }
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (error) { saved = null; }
    // A page the server sent back with errors holds what was posted: that wins, and the draft
    // fills in only what the page left empty (the material lines).
    var posted = Boolean(form.querySelector(".errors"));
    if (saved) {
      var seen = {};
      fields(form).forEach(function (element) {
        var list = saved[element.name];
        var index = seen[element.name] = (seen[element.name] === undefined ? 0 : seen[element.name] + 1);
        if (posted && element.value) { return; }
        if (list && index < list.length && list[index] !== undefined) { element.value = list[index]; }
      });
      form.querySelectorAll("canvas[data-signature]").forEach(function (canvas) {
        var input = form.querySelector('input[name="' + canvas.dataset.signature + '"]');
        if (canvas.restore && input) { canvas.restore(input.value); }
      });
      var note = form.querySelector("[data-draft-restored]");
      if (note && !posted) { note.hidden = false; }
    }
    keep();  // the idempotency key is in the draft from the first moment
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", keep);
  }

  function init() {
    document.querySelectorAll("form[data-geolocate]").forEach(geolocate);
    document.querySelectorAll("canvas[data-signature]").forEach(pad);
    document.querySelectorAll("form[data-draft]").forEach(draft);
    document.querySelectorAll("[data-draft-clear]").forEach(function (element) {
      var store = storage();
      if (store) { store.removeItem(element.dataset.draftClear); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
