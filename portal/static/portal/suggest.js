// Suggest guides beside the assistance form while the customer types. The form works without this:
// its "Find matching guides" button asks the server for the same list.
(function () {
  "use strict";
  var form = document.getElementById("assistance-form");
  var target = document.getElementById("guide-suggestions");
  if (!form || !target || !window.fetch) { return; }
  var url = form.getAttribute("data-suggest-url");
  var typeField = form.querySelector("[name=type]");
  var textField = form.querySelector("[name=description]");
  var timer = null;
  var last = "";
  var serial = 0;

  function refresh() {
    var params = new URLSearchParams();
    if (typeField && typeField.value) { params.set("type", typeField.value); }
    if (textField && textField.value) { params.set("q", textField.value.slice(0, 200)); }
    var query = params.toString();
    if (query === last) { return; }
    last = query;
    var mine = ++serial;
    fetch(url + "?" + query, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && mine === serial) { target.innerHTML = html; }
      })
      .catch(function () { /* keep the current list */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  if (typeField) { typeField.addEventListener("change", refresh); }
  if (textField) { textField.addEventListener("input", later); }
})();
