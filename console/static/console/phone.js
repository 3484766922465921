// The phone screen shows the call the PBX announces for this agent without a reload: it asks the
// server every few seconds, shows the caller's number and the digits typed, and fills the empty
// fields of the intake form once the call is answered. Without JavaScript the refresh link works.
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("live-call");
    if (!box || !window.fetch) {
      return;
    }
    var url = box.getAttribute("data-poll-url");
    var seconds = parseInt(box.getAttribute("data-poll-seconds"), 10) || 3;
    var status = document.getElementById("pending-call");
    var filled = {};
    var busy = false;
    document.getElementById("live-note").hidden = false;

    function fill(call) {
      if (call.state === "ringing" || filled[call.id]) {
        return;
      }
      filled[call.id] = true;
      Object.keys(call.form).forEach(function (name) {
        var input = document.querySelector("#phone-intake [name='" + name + "']");
        // Never overwrite what the agent has already typed.
        if (input && !input.value && call.form[name] !== null && call.form[name] !== "") {
          input.value = String(call.form[name]);
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }

    function show(call) {
      if (!call) {
        status.hidden = true;
        return;
      }
      ["caller_number", "digits", "state_label"].forEach(function (key) {
        var slot = status.querySelector("[data-call='" + key + "']");
        if (slot) {
          slot.textContent = call[key] || "—";
        }
      });
      status.setAttribute("data-state", call.state);
      status.hidden = false;
      fill(call);
    }

    function poll() {
      if (busy || document.hidden) {
        return;
      }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data) {
            show(data.call);
          }
        })
        .catch(function () {})
        .then(function () {
          busy = false;
        });
    }

    window.setInterval(poll, seconds * 1000);
    poll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
