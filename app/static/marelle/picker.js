/* Search-as-you-type pickers: an input with data-picker-url fills the hidden input named in
   data-picker-target with the id of the chosen row. Large towns never load a full <select>. */
(function () {
  function setup(input) {
    var box = document.createElement("ul");
    box.hidden = true;
    input.parentNode.appendChild(box);
    var chosen = document.createElement("div");
    chosen.className = "chosen";
    input.parentNode.appendChild(chosen);
    var target = document.getElementById(input.dataset.pickerTarget);
    if (target && target.value && input.value) { chosen.textContent = "✓ " + input.value; }
    var timer = null;
    input.addEventListener("input", function () {
      if (target) { target.value = ""; }
      chosen.textContent = "";
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { box.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(input.dataset.pickerUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (rows) {
            box.innerHTML = "";
            rows.forEach(function (row) {
              var li = document.createElement("li");
              li.textContent = row.label;
              li.addEventListener("mousedown", function (ev) {
                ev.preventDefault();
                if (target) { target.value = row.id; }
                input.value = row.label;
                chosen.textContent = "✓ " + row.label;
                box.hidden = true;
              });
              box.appendChild(li);
            });
            if (!rows.length) {
              var empty = document.createElement("li");
              empty.textContent = input.dataset.pickerEmpty || "—";
              box.appendChild(empty);
            }
            box.hidden = false;
          });
      }, 200);
    });
    input.addEventListener("blur", function () { setTimeout(function () { box.hidden = true; }, 150); });
  }
  /* Radio groups with data-toggles show the block whose data-when matches the checked value. */
  function toggles(name) {
    var radios = document.querySelectorAll('input[name="' + name + '"]');
    function apply() {
      var value = (document.querySelector('input[name="' + name + '"]:checked') || {}).value;
      document.querySelectorAll('[data-toggle-by="' + name + '"]').forEach(function (el) {
        el.hidden = el.dataset.when.split(" ").indexOf(value) < 0;
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-picker-url]").forEach(setup);
    var names = {};
    document.querySelectorAll("[data-toggle-by]").forEach(function (el) { names[el.dataset.toggleBy] = 1; });
    Object.keys(names).forEach(toggles);
    document.querySelectorAll(".booking-toggle input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        var cell = box.closest("td");
        cell.classList.toggle("booked", box.checked);
        cell.classList.toggle("free", !box.checked);
      });
    });
  });
})();
