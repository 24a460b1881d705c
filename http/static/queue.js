// Keyboard navigation of the alert queue: j or ArrowDown moves to the next
// alert, k or ArrowUp to the previous; Enter opens the focused alert (it is
// a link). Keys typed into the filters are left alone.
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll("a.alert-link"));
  if (links.length === 0) {
    return;
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) {
      return;
    }
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable)) {
      return;
    }
    var step = 0;
    if (e.key === "j" || e.key === "ArrowDown") {
      step = 1;
    } else if (e.key === "k" || e.key === "ArrowUp") {
      step = -1;
    } else {
      return;
    }
    e.preventDefault();
    var i = links.indexOf(document.activeElement);
    var next = i < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, i + step));
    links[next].focus();
    links[next].scrollIntoView({block: "nearest"});
  });
})();
