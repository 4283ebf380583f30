// EasyPay web app: small progressive enhancements (pages work without this file).
(function () {
  "use strict";

  function digitsOf(value) {
    return (value || "").replace(/[^0-9]/g, "");
  }

  function withCommas(digits) {
    return digits.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function amountInput(button) {
    var form = button.closest("form");
    return form ? form.querySelector("[data-amount]") : null;
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-amount]");
    if (add) {
      var input = amountInput(add);
      if (input) {
        var current = parseInt(digitsOf(input.value) || "0", 10);
        var next = current + parseInt(add.getAttribute("data-add-amount"), 10);
        input.value = withCommas(String(next));
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      return;
    }
    var clear = event.target.closest("[data-clear-amount]");
    if (clear) {
      var target = amountInput(clear);
      if (target) {
        target.value = "";
        target.focus();
      }
    }
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-amount]")) {
      var digits = digitsOf(input.value).slice(0, 15);
      input.value = digits ? withCommas(digits) : "";
    } else if (input.matches && input.matches("[data-digits]")) {
      var only = digitsOf(input.value);
      var max = parseInt(input.getAttribute("maxlength") || "64", 10);
      if (only !== input.value) {
        input.value = only.slice(0, max);
      }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-once")) {
      if (form.getAttribute("data-submitted") === "true") {
        event.preventDefault(); // a double click must not send the form twice
        return;
      }
      form.setAttribute("data-submitted", "true");
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-busy", "true");
      });
    }
  });

  // htmx requests carry the page's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
    }
  });

  // Back from the browser cache: let a form be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      form.querySelectorAll("[aria-busy]").forEach(function (button) {
        button.removeAttribute("aria-busy");
      });
    });
  });
})();
