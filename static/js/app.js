// riskreg's only script. Pages work without it; it adds two GOV.UK behaviours.
(function () {
  "use strict";
  // The error summary takes focus, so keyboard and screen-reader users hear the problem first.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  // Character count: "You have N characters remaining" under each limited text box.
  document.querySelectorAll("textarea[data-maxlength]").forEach(function (box) {
    var limit = parseInt(box.getAttribute("data-maxlength"), 10);
    var message = document.getElementById(box.id + "-info");
    if (!message || !limit) {
      return;
    }
    var update = function () {
      var left = limit - box.value.length;
      var over = left < 0;
      var count = Math.abs(left).toLocaleString("en-GB");
      message.textContent = over
        ? "You have " + count + (Math.abs(left) === 1 ? " character" : " characters") + " too many"
        : "You have " + count + (left === 1 ? " character" : " characters") + " remaining";
      message.classList.toggle("character-count-over", over);
    };
    box.addEventListener("input", update);
    update();
  });
})();
