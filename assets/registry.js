// The registry's only script, and nothing needs it: every form works without it. It adds a
// "Select all" box to the countersigning queue.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[type=checkbox][name=ids]");
  var holder = document.getElementById("select-all-holder");
  if (!holder || boxes.length < 2) {
    return;
  }
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  var label = document.createElement("label");
  label.htmlFor = "select-all";
  label.textContent = "Select all " + boxes.length + " sessions";
  var wrap = document.createElement("div");
  wrap.className = "checkbox";
  wrap.appendChild(all);
  wrap.appendChild(label);
  holder.appendChild(wrap);
  all.addEventListener("change", function () {
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].checked = all.checked;
    }
  });
})();
// A "Copy" button beside a read-only address (the calendar feed).
(function () {
  "use strict";
  var holder = document.getElementById("copy-holder");
  if (!holder || !navigator.clipboard) {
    return;
  }
  var field = document.getElementById(holder.getAttribute("data-copy"));
  var button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = "Copy the address";
  var said = document.createElement("p");
  said.setAttribute("role", "status");
  holder.appendChild(button);
  holder.appendChild(said);
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      said.textContent = "Copied.";
    });
  });
})();
