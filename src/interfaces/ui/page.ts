/**
 * The live page: one HTML shell for the sweep list (`/`) and a sweep (`/sweeps/<id>`), a small script
 * that polls the JSON API and fills the DOM (text through `textContent` only; the SVG charts are the
 * report's own renderings), and its style. No framework: the page is a few tables and three buttons.
 */

import { escapeHtml } from '../../reporting/analysis/render-html.js';

/** The HTML of the list (no `sweepId`) or of one sweep's page. */
export function pageHtml(options: { sweepId?: string; pollMs?: number | undefined }): string {
  const poll = String(options.pollMs ?? 2000);
  const sweep = options.sweepId;
  const title = sweep ? `seedsweep · ${sweep}` : 'seedsweep · sweeps';
  const body = sweep
    ? `<p class="nav"><a href="/">← all sweeps</a> <span id="links"></span></p>
<h1 id="title">${escapeHtml(sweep)}</h1>
<p class="note">sweep id <code id="sweep-id">${escapeHtml(sweep)}</code></p>
<p id="status" class="status" data-status="" data-phase="">loading…</p>
<p class="actions">
<button type="button" id="pause" data-action="pause" disabled>Pause</button>
<button type="button" id="unpause" data-action="unpause" disabled>Unpause</button>
<button type="button" id="cancel" data-action="cancel" disabled>Cancel</button>
</p>
<p id="message" class="message" role="status"></p>
<h2>Progress</h2>
<table id="counts"><thead></thead><tbody></tbody></table>
<p id="plan" class="note"></p>
<h2>Groups <span id="objective" class="note"></span></h2>
<table id="groups">
<thead><tr><th>group</th><th class="num">seeds</th><th class="num">mean</th><th>95 % CI</th><th class="num">IQM</th><th></th></tr></thead>
<tbody></tbody>
</table>
<p id="groups-note" class="note"></p>
<h2>Charts</h2>
<div id="charts"></div>
<h2>Trials</h2>
<table id="trials">
<thead><tr><th>trial</th><th>group</th><th class="num">seed</th><th>state</th><th class="num">epoch</th><th>MLflow</th></tr></thead>
<tbody></tbody>
</table>
<p id="trials-note" class="note"></p>`
    : `<h1>Sweeps</h1>
<p id="links"></p>
<p id="message" class="message" role="status"></p>
<table id="sweeps">
<thead><tr><th>sweep id</th><th>status</th><th>progress</th><th>started</th><th>name</th></tr></thead>
<tbody></tbody>
</table>
<p id="sweeps-note" class="note"></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body data-poll-ms="${poll}"${sweep ? ` data-sweep-id="${escapeHtml(sweep)}"` : ''}>
${body}
</body>
</html>
`;
}

export const APP_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 13px; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; white-space: nowrap; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; }
.status[data-phase="paused"] { color: #8a6d00; } .status[data-status="FAILED"] { color: #b02a37; }
.message { min-height: 1.2em; color: #b02a37; }
.message.ok { color: #1e7b34; }
.note { color: #555; font-size: 13px; font-weight: normal; }
.nav a, #links a { margin-right: 1rem; }
button { font: inherit; padding: 0.3rem 0.9rem; margin-right: 0.5rem; }
figure.chart { margin: 1rem 0; } figure.chart figcaption { font-weight: 600; margin-bottom: 0.3rem; }
svg.ci { vertical-align: middle; }
`;

/**
 * The page's script (plain ES2017, no build step). It polls `/api/sweeps` (list) or
 * `/api/sweeps/<id>` (a sweep) every `data-poll-ms`, and asks for the sweep's results (groups,
 * charts, run links) when its finished count or state changed, or the last answer was stale.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  var body = document.body;
  var pollMs = Number(body.getAttribute('data-poll-ms')) || 2000;
  var sweepId = body.getAttribute('data-sweep-id');
  var resultsVersion = null;
  var resultsStale = false;
  var runLinks = {};
  var lastTrials = [];
  // A failed poll's message goes when a poll succeeds; an action's answer stays until the next action.
  var pollFailed = false;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function link(href, text) {
    var a = el('a', text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    var a = Math.abs(x);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
  }
  function message(text, ok) {
    var m = document.getElementById('message');
    m.textContent = text || '';
    m.className = ok ? 'message ok' : 'message';
  }
  function getJson(url) {
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (v) {
        if (!r.ok) throw new Error((v && v.error && v.error.message) || r.statusText);
        return v;
      });
    });
  }
  function fillLinks(links, workflow) {
    var p = document.getElementById('links');
    p.textContent = '';
    if (links.mlflow) p.appendChild(link(links.mlflow, 'MLflow UI'));
    if (workflow) p.appendChild(link(workflow, 'Temporal UI: this workflow'));
    else if (links.temporal) p.appendChild(link(links.temporal, 'Temporal UI'));
  }

  // The list of sweeps.
  function renderList(data) {
    var tbody = document.querySelector('#sweeps tbody');
    tbody.textContent = '';
    data.sweeps.forEach(function (s) {
      var tr = el('tr');
      tr.setAttribute('data-sweep-id', s.sweepId);
      tr.setAttribute('data-status', s.status);
      var td = el('td');
      var a = el('a', s.sweepId);
      a.href = '/sweeps/' + encodeURIComponent(s.sweepId);
      td.appendChild(a);
      tr.appendChild(td);
      tr.appendChild(el('td', s.status));
      var p = s.progress;
      var progressCell = el('td', p ? p.phase + ' · ' + p.counts.finished + '/' + p.counts.total + ' finished' : '');
      if (p) progressCell.setAttribute('data-phase', p.phase);
      tr.appendChild(progressCell);
      tr.appendChild(el('td', s.startTime));
      tr.appendChild(el('td', s.sweepName));
      tbody.appendChild(tr);
    });
    document.getElementById('sweeps-note').textContent = data.sweeps.length === 0
      ? "no sweeps yet; start one with 'seedsweep run <spec>'." : '';
    fillLinks(data.links);
  }

  // One sweep.
  var COUNTS = [['finished', 'finished'], ['running', 'running'], ['pending', 'pending'],
    ['failed', 'failed'], ['earlyStopped', 'stopped early'], ['cancelled', 'cancelled'],
    ['skipped', 'already done'], ['total', 'total']];

  function renderCounts(counts) {
    var head = el('tr'), values = el('tr');
    COUNTS.forEach(function (c) {
      head.appendChild(el('th', c[1], 'num'));
      var td = el('td', counts ? counts[c[0]] : '–', 'num');
      td.setAttribute('data-count', c[0]);
      values.appendChild(td);
    });
    var thead = document.querySelector('#counts thead'), tbody = document.querySelector('#counts tbody');
    thead.textContent = '';
    tbody.textContent = '';
    thead.appendChild(head);
    tbody.appendChild(values);
  }

  function renderTrials(trials) {
    lastTrials = trials;
    var tbody = document.querySelector('#trials tbody');
    tbody.textContent = '';
    trials.forEach(function (t) {
      var tr = el('tr');
      tr.setAttribute('data-trial', t.trialKey);
      tr.setAttribute('data-state', t.state);
      tr.appendChild(el('td', t.trialKey.slice(0, 12)));
      tr.appendChild(el('td', t.groupLabel));
      tr.appendChild(el('td', t.seed, 'num'));
      tr.appendChild(el('td', t.state + (t.reason ? ' (' + t.reason + ')' : '')));
      tr.appendChild(el('td', t.state === 'running' ? (t.epoch || 0) + '/' + t.epochs : '', 'num'));
      var td = el('td');
      if (runLinks[t.trialKey]) td.appendChild(link(runLinks[t.trialKey], 'run'));
      tr.appendChild(td);
      tbody.appendChild(tr);
    });
  }

  /** A small interval bar: the group's CI on the common scale of every group's interval. */
  function ciBar(g, lo, hi) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('class', 'ci');
    svg.setAttribute('width', '160');
    svg.setAttribute('height', '12');
    if (g.mean === null || !(hi > lo)) return svg;
    var x = function (v) { return 4 + ((v - lo) / (hi - lo)) * 152; };
    if (g.ci95) {
      var line = document.createElementNS(ns, 'line');
      line.setAttribute('x1', x(g.ci95[0])); line.setAttribute('x2', x(g.ci95[1]));
      line.setAttribute('y1', '6'); line.setAttribute('y2', '6');
      line.setAttribute('stroke', '#4c78a8'); line.setAttribute('stroke-width', '3');
      svg.appendChild(line);
    }
    var dot = document.createElementNS(ns, 'circle');
    dot.setAttribute('cx', x(g.mean)); dot.setAttribute('cy', '6'); dot.setAttribute('r', '3.5');
    dot.setAttribute('fill', '#222');
    svg.appendChild(dot);
    return svg;
  }

  function renderResults(r) {
    runLinks = r.runLinks || {};
    renderTrials(lastTrials);
    document.getElementById('objective').textContent = r.objective
      ? '(objective: ' + r.objective.metric + ', ' + r.objective.mode + '; mean over finished seeds with its 95 % CI)' : '';
    var values = [];
    r.groups.forEach(function (g) {
      if (g.ci95) values.push(g.ci95[0], g.ci95[1]);
      if (g.mean !== null) values.push(g.mean);
    });
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var tbody = document.querySelector('#groups tbody');
    tbody.textContent = '';
    r.groups.forEach(function (g) {
      var tr = el('tr');
      tr.setAttribute('data-group', g.groupKey);
      tr.setAttribute('data-n', g.n);
      tr.appendChild(el('td', g.label));
      tr.appendChild(el('td', g.n + (g.missing ? ' (' + g.missing + ' to come)' : ''), 'num'));
      tr.appendChild(el('td', fmt(g.mean), 'num'));
      tr.appendChild(el('td', g.ci95 ? '[' + fmt(g.ci95[0]) + ', ' + fmt(g.ci95[1]) + ']' : 'n < 2'));
      tr.appendChild(el('td', g.iqm ? fmt(g.iqm.value) : '–', 'num'));
      var bar = el('td');
      bar.appendChild(ciBar(g, lo, hi));
      tr.appendChild(bar);
      tbody.appendChild(tr);
    });
    document.getElementById('groups-note').textContent = r.note || ('built from ' + r.records +
      ' finished trial' + (r.records === 1 ? '' : 's') + ' at ' + r.builtAt + (r.stale ? ' (updating…)' : ''));
    var charts = document.getElementById('charts');
    charts.textContent = '';
    r.charts.forEach(function (c) {
      var fig = el('figure', null, 'chart');
      fig.setAttribute('data-chart', c.id);
      fig.appendChild(el('figcaption', c.title));
      var holder = el('div');
      // The report's own SVG rendering (vega), built by this server from the tracker's numbers.
      holder.innerHTML = c.svg;
      fig.appendChild(holder);
      charts.appendChild(fig);
    });
  }

  function setButtons(status, phase) {
    var running = status === 'RUNNING';
    document.getElementById('pause').disabled = !running || phase === 'paused' || phase === 'cancelling';
    document.getElementById('unpause').disabled = !running || phase !== 'paused';
    document.getElementById('cancel').disabled = !running || phase === 'cancelling';
  }

  function renderSweep(data) {
    var s = data.status;
    var p = s.progress;
    var phase = p ? p.phase : '';
    document.getElementById('title').textContent = s.sweepName;
    document.title = 'seedsweep · ' + s.sweepName;
    var st = document.getElementById('status');
    st.setAttribute('data-status', s.status);
    st.setAttribute('data-phase', phase);
    st.textContent = s.status + (phase ? ' · ' + phase : '') + ' · started ' + s.startTime +
      (s.closeTime ? ' · closed ' + s.closeTime : '') +
      (s.status === 'RUNNING' && !p ? ' · no worker answered the progress query (start one with seedsweep worker)' : '') +
      (s.failure ? ' · failure: ' + s.failure : '');
    setButtons(s.status, phase);
    var counts = p ? p.counts : s.summary ? s.summary.counts : null;
    renderCounts(counts);
    document.getElementById('plan').textContent = p && p.plan ? 'plan: ' + p.plan : '';
    if (p) {
      renderTrials(p.trials);
      document.getElementById('trials-note').textContent = p.page.pages > 1
        ? 'first ' + p.trials.length + ' of ' + p.page.matching + ' trials (seedsweep status --page shows the others)' : '';
    } else {
      renderTrials([]);
      document.getElementById('trials-note').textContent = s.status === 'RUNNING' ? '' : 'the sweep is not running: its trials are in MLflow.';
    }
    fillLinks(data.links, data.links.temporal);
    var version = [s.runId, s.status, phase, counts ? counts.finished + '/' + counts.skipped : ''].join('|');
    if (version !== resultsVersion || resultsStale) {
      resultsVersion = version;
      return getJson('/api/sweeps/' + encodeURIComponent(sweepId) + '/results?version=' + encodeURIComponent(version))
        .then(function (r) { resultsStale = r.stale; renderResults(r); });
    }
  }

  function act(action) {
    var b = document.getElementById(action);
    if (action === 'cancel' && !window.confirm('Cancel this sweep? Running trials stop at their next epoch boundary.')) return;
    b.disabled = true;
    pollFailed = false;
    message('');
    fetch('/api/sweeps/' + encodeURIComponent(sweepId) + '/' + action, { method: 'POST' })
      .then(function (r) {
        return r.json().then(function (v) {
          if (!r.ok) throw new Error((v && v.error && v.error.message) || r.statusText);
          message(action + ' requested.', true);
        });
      })
      .catch(function (e) { message(action + ' failed: ' + e.message); })
      .then(function () { resultsStale = true; return tick(); });
  }

  function tick() {
    var work = sweepId
      ? getJson('/api/sweeps/' + encodeURIComponent(sweepId)).then(renderSweep)
      : getJson('/api/sweeps').then(renderList);
    return work.then(function () {
      if (pollFailed) message('');
      pollFailed = false;
    }, function (e) {
      pollFailed = true;
      message(e.message);
    });
  }

  function loop() {
    tick().then(function () { window.setTimeout(loop, pollMs); });
  }

  if (sweepId) {
    ['pause', 'unpause', 'cancel'].forEach(function (a) {
      document.getElementById(a).addEventListener('click', function () { act(a); });
    });
    renderCounts(null);
  }
  loop();
})();
`;
