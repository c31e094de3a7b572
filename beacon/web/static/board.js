// The board's only script. It counts down to the deadlines printed on the page and
// re-reads the public JSON API (GET only) to show VDF progress and phase changes.
// It sends nothing and changes nothing: a draw changes only by a signed statement.
(function () {
  "use strict";
  var body = document.body;
  // Count in the server's time of record, whatever the visitor's clock says.
  var offset = Number(body.dataset.nowMs) - Date.now();

  function now() { return Date.now() + offset; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
  }
  function grouped(n) { return n.toLocaleString("en-US"); }

  var timers = Array.prototype.slice.call(document.querySelectorAll("[data-due-ms]"));
  var started = now();
  function tick() {
    timers.forEach(function (el) {
      var due = Number(el.dataset.dueMs);
      el.querySelector(".countdown-value").textContent = clock(due - now());
      el.hidden = false;
      // A deadline reached while watching: reload once, after the pulse that marks it.
      if (due <= now() && due > started && !el.dataset.reloading) {
        el.dataset.reloading = "1";
        setTimeout(function () { location.reload(); }, 3000);
      }
    });
  }
  if (timers.length) { tick(); setInterval(tick, 1000); }

  function showProgress(vdf) {
    var bar = document.getElementById("vdf-progress");
    if (!vdf || !bar) { return; }
    bar.max = vdf.t;
    bar.value = vdf.done;
    var permille = vdf.t ? Math.floor(vdf.done * 1000 / vdf.t) : 0;
    document.getElementById("vdf-line").textContent =
      grouped(vdf.done) + " / " + grouped(vdf.t) + " (" + Math.floor(permille / 10) + "." + permille % 10 + "%)";
    if (vdf.worker) { document.getElementById("vdf-worker").textContent = vdf.worker; }
  }

  function changed(doc) {
    if (doc.bids) {  // a tender: its phase, who released, how many bids (pages.tender_signature)
      return [doc.phase, doc.releases.join("+"), doc.bids.length].join(":") !== body.dataset.signature;
    }
    if (doc.draws) {
      return doc.draws.map(function (d) { return d.id + ":" + d.state; }).join(",") !== body.dataset.signature;
    }
    return doc.state !== body.dataset.state;
  }

  function poll() {
    var again = function () { setTimeout(poll, Number(body.dataset.pollMs)); };
    fetch(body.dataset.poll, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) {
        if (doc && changed(doc)) { location.reload(); return; }
        if (doc && !doc.draws) { showProgress(doc.vdf); }
        again();
      })
      .catch(again);
  }
  if (body.dataset.poll) { setTimeout(poll, Number(body.dataset.pollMs)); }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.copy).textContent;
      navigator.clipboard.writeText(text).then(function () { button.textContent = button.dataset.done; });
    });
  });
})();
