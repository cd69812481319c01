// The Live page's refresh: every few seconds the same figures, drawn by the edge, are asked of
// /console/live/series as JSON and put in place (coordinates, axis labels, the summary a screen
// reader reads, the legend and the table). Without this script the page shows the figures as they
// were when it loaded; reloading it shows new ones. Updates can be paused (they move the page).
(function () {
  'use strict';
  var state = document.getElementById('live-state');
  var pause = document.getElementById('live-pause');
  var updated = document.getElementById('live-updated');
  if (!state || !pause) { return; }
  var SVG = 'http://www.w3.org/2000/svg';
  var EVERY_MS = 5000;
  var paused = false;

  function element(name, text, className) {
    var made = document.createElement(name);
    if (text !== undefined) { made.textContent = text; }
    if (className) { made.className = className; }
    return made;
  }

  function texts(nodes, values) {
    for (var i = 0; i < nodes.length && i < values.length; i++) { nodes[i].textContent = values[i]; }
  }

  function lines(group, series) {
    group.textContent = '';
    series.forEach(function (s) {
      var line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('class', 'line ' + s.style);
      line.setAttribute('points', s.points);
      group.appendChild(line);
    });
  }

  function legend(section, chart) {
    var old = section.querySelector('ul.legend');
    if (old) { old.remove(); }
    if (chart.series.length < 2) { return; }
    var list = element('ul', undefined, 'legend');
    chart.series.forEach(function (s) {
      var item = element('li');
      var key = element('span', undefined, 'key ' + s.style);
      key.setAttribute('aria-hidden', 'true');
      item.appendChild(key);
      item.appendChild(element('span', ' ' + s.name));
      list.appendChild(item);
    });
    section.querySelector('figure').after(list);
  }

  function table(section, chart) {
    var head = section.querySelector('table thead tr');
    var body = section.querySelector('table tbody');
    head.textContent = '';
    var time = element('th', 'Time (UTC)');
    time.scope = 'col';
    head.appendChild(time);
    chart.columns.forEach(function (c) { var th = element('th', c); th.scope = 'col'; head.appendChild(th); });
    body.textContent = '';
    chart.rows.forEach(function (r) {
      var row = element('tr');
      var at = element('th', r.time);
      at.scope = 'row';
      row.appendChild(at);
      r.values.forEach(function (v) { row.appendChild(element('td', v)); });
      body.appendChild(row);
    });
  }

  function draw(live) {
    state.textContent = live.status;
    state.className = live.ok ? 'help' : 'error';
    live.charts.forEach(function (chart) {
      var section = document.getElementById('chart-' + chart.id);
      if (!section) { return; }
      texts(section.querySelectorAll('.y-ticks text'), chart.yTicks);
      texts(section.querySelectorAll('.x-ticks text'), chart.xTicks);
      lines(section.querySelector('g.lines'), chart.series);
      section.querySelector('figcaption').textContent = chart.summary;
      legend(section, chart);
      table(section, chart);
    });
    updated.textContent = 'Updated at ' + new Date().toISOString().substring(11, 19) + ' UTC.';
  }

  function refresh() {
    if (paused) { return; }
    fetch('/console/live/series', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (live) { if (live) { draw(live); } })
      .catch(function () { updated.textContent = 'The edge did not answer; trying again.'; });
  }

  pause.hidden = false;
  pause.addEventListener('click', function () {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) { refresh(); }
  });
  setInterval(refresh, EVERY_MS);
}());
