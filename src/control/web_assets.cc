// The status page's style and script, served as /tend.css and /tend.js (web_page.h).
// Plain text in the binary: about 4 KB, which compression would bring to 1.5 KB at the
// price of a build step and of a fallback for clients that do not take gzip.
#include "control/web_page.h"

namespace tend {

const char kPageCss[] = R"css(:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;
--dim:#6e7781;--line:#d0d7de;--bg2:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--ok:#3fb950;--warn:#d29922;--bad:#f85149;
--dim:#8b949e;--line:#30363d;--bg2:#161b22}}
body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:0 1em;max-width:80em}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3em 1em;
border-bottom:1px solid var(--line)}
h1{font-size:1.4em;margin:.4em 0}
h2{font-size:1.1em}
.where,footer,.summary{color:var(--dim)}
#note{margin-left:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35em .5em;border-bottom:1px solid var(--line);vertical-align:top;
overflow-wrap:anywhere}
th{font-size:.8em;color:var(--dim)}
a{color:inherit}
a.chosen{font-weight:bold}
.state{font-weight:600}
.RUNNING{color:var(--ok)}
.STARTING,.BACKOFF,.STOPPING{color:var(--warn)}
.FATAL,.EXITED{color:var(--bad)}
.STOPPED{color:var(--dim)}
.EXITED.clean{color:var(--ok)}
button{font:inherit;margin:0 .2em .2em 0;padding:.15em .6em}
pre{background:var(--bg2);padding:.6em;overflow:auto;max-height:60vh;white-space:pre-wrap;
word-break:break-all;font-size:.85em}
.err{color:var(--bad)}
footer{margin:1em 0;font-size:.85em}
footer a{margin-right:1em}
@media (max-width:50em){thead{display:none}
table,tbody,tr,td{display:block}
tr{border:1px solid var(--line);margin:.6em 0;padding:.3em}
td{border:0;padding:.15em .3em}
td[data-label]::before{content:attr(data-label);display:inline-block;min-width:7em;
font-size:.8em;color:var(--dim)}}
)css";

// Refreshes the live part every two seconds while the page is seen; sends the buttons'
// forms without leaving the page. Without it the page reads the same and the forms post.
const char kPageJs[] = R"js("use strict";
(function () {
  var live = document.getElementById("live");
  var note = document.getElementById("note");
  if (!live || !window.fetch) return;
  var busy = false, last = "";
  function say(text) { note.textContent = text; }
  // Not while the reader selects text in it or the log is read from higher up: the
  // replaced part would take the selection and the place away.
  function reading() {
    var s = window.getSelection();
    return s && !s.isCollapsed && live.contains(s.anchorNode);
  }
  function refresh() {
    if (busy || document.hidden || reading()) return;
    busy = true;
    fetch("/live?log=" + encodeURIComponent(live.dataset.log || ""),
          {credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        if (note.dataset.lost) { say(""); delete note.dataset.lost; }
        if (html === last || reading()) return;
        last = html;
        var pre = live.querySelector("pre");
        var top = pre ? pre.scrollTop : 0;
        var atEnd = !pre || top + pre.clientHeight >= pre.scrollHeight - 4;
        var f = document.activeElement, row = f && f.closest && f.closest("tr[data-name]");
        var focus = row && [row.dataset.name, f.value];
        live.innerHTML = html;
        pre = live.querySelector("pre");
        if (pre) pre.scrollTop = atEnd ? pre.scrollHeight : top;
        if (focus) {
          live.querySelectorAll("tr[data-name] button").forEach(function (b) {
            if (b.closest("tr").dataset.name === focus[0] && b.value === focus[1]) b.focus();
          });
        }
      })
      .catch(function (e) { say("tend does not answer (" + e.message + ")"); note.dataset.lost = 1; })
      .then(function () { busy = false; });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    ev.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    if (ev.submitter && ev.submitter.name) body.set(ev.submitter.name, ev.submitter.value);
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (j) { say(j.message); refresh(); })
      .catch(function (e) { say("tend does not answer (" + e.message + ")"); });
  });
  document.addEventListener("visibilitychange", refresh);
  var pre = live.querySelector("pre");
  if (pre) pre.scrollTop = pre.scrollHeight;
  setInterval(refresh, 2000);
})();
)js";

}  // namespace tend
