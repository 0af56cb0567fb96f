// The console's only script: hovering or focusing a field lights up its box on the page image.
(function () {
  "use strict";
  function light(key, on) {
    document.querySelectorAll('[data-field="' + key + '"]').forEach(function (el) {
      el.classList.toggle("hot", on);
    });
  }
  document.querySelectorAll("tr[data-field]").forEach(function (row) {
    var key = row.getAttribute("data-field");
    ["mouseenter", "focusin"].forEach(function (e) { row.addEventListener(e, function () { light(key, true); }); });
    ["mouseleave", "focusout"].forEach(function (e) { row.addEventListener(e, function () { light(key, false); }); });
  });
})();
