// Posts the signed payment form to the bank's page at once; without JavaScript the button does it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-auto-submit]");
  if (form && !form.hasAttribute("data-submitted")) {
    form.setAttribute("data-submitted", "");
    form.submit();
  }
});
