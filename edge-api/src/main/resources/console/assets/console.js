// Progressive enhancement of the rules editor: the text is checked as one types (the same
// review as the Check button, asked of the edge), and the problems are listed under the editor.
// Without this script the Check button does the same on submit.
(function () {
  'use strict';
  var editor = document.getElementById('rules');
  var out = document.getElementById('live-problems');
  if (!editor || !out) { return; }
  var csrf = editor.form.querySelector('input[name="csrf"]').value;
  var timer = null;
  var asked = 0;

  function show(review) {
    out.textContent = '';
    var heading = document.createElement('p');
    heading.textContent = review.valid ? 'As typed: no problem found.'
      : 'As typed: ' + review.problems.length + ' problem(s).';
    out.appendChild(heading);
    if (review.valid) { return; }
    var list = document.createElement('ul');
    review.problems.forEach(function (p) {
      var item = document.createElement('li');
      item.className = 'problem';
      item.textContent = (p.line > 0 ? 'Line ' + p.line : 'Whole text') + ': ' + (p.path ? p.path + ': ' : '') + p.message;
      list.appendChild(item);
    });
    out.appendChild(list);
  }

  function check() {
    var mine = ++asked;
    fetch('/console/rules/validate', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf },
      body: new URLSearchParams({ rules: editor.value })
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (review) { if (review && mine === asked) { show(review); } })
      .catch(function () { /* the Check button still works */ });
  }

  editor.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
}());
