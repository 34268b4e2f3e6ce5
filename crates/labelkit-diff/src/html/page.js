// The review page's script. Its data is the JSON block
// #labelkit-diff-data; everything from the dataset is put in the DOM as text
// (textContent, setAttribute), never as markup.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  // Cards added to the grid at a time: a diff of many thousand images
  // builds a few hundred cards, and more as the reader scrolls to the end.
  var PAGE = 200;
  // Unchanged shapes drawn on a thumbnail: an image with very many shapes
  // stays quick to show; the large view draws them all.
  var THUMB_SAME = 300;
  var data = JSON.parse(document.getElementById('labelkit-diff-data').textContent);
  var images = data.images;
  var state = { label: '', kind: '', selected: -1, shown: [], built: 0 };

  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function svgNode(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    return e;
  }

  function readHash() {
    var h = location.hash.replace(/^#/, '');
    state.label = ''; state.kind = ''; var key = null;
    h.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) { return; }
      var k, v;
      try { k = decodeURIComponent(kv.slice(0, i)); v = decodeURIComponent(kv.slice(i + 1)); } catch (e) { return; }
      if (k === 'label') { state.label = v; }
      if (k === 'kind' && data.kinds.indexOf(v) >= 0) { state.kind = v; }
      if (k === 'image') { key = v; }
    });
    return key;
  }
  function writeHash() {
    var parts = [];
    if (state.label) { parts.push('label=' + encodeURIComponent(state.label)); }
    if (state.kind) { parts.push('kind=' + encodeURIComponent(state.kind)); }
    if (state.selected >= 0) { parts.push('image=' + encodeURIComponent(images[state.selected].key)); }
    history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search);
  }

  function changeMatches(c) {
    if (state.label && c.label !== state.label && c.from !== state.label) { return false; }
    if (state.kind && c.kinds.indexOf(data.kinds.indexOf(state.kind)) < 0) { return false; }
    return true;
  }
  function imageMatches(img) {
    if (!state.label && !state.kind) { return true; }
    for (var i = 0; i < img.changes.length; i++) { if (changeMatches(img.changes[i])) { return true; } }
    return false;
  }

  // One shape as SVG elements appended to `g`.
  function drawShape(g, img, s, radius) {
    var side = s.s === 'o' ? 'old' : s.s === 'n' ? 'new' : 'same';
    var change = s.c >= 0 ? img.changes[s.c] : null;
    var tip = s.l + ' (' + (side === 'same' ? 'unchanged' : side) + ')' + (change ? ': ' + change.text : '');
    var cls = 'shape ' + side + (s.m ? ' mask' : '');
    var made = [];
    if (s.p !== undefined) {
      made.push(svgNode('path', { d: s.p, 'class': cls }));
    } else if (s.e !== undefined) {
      made.push(svgNode('ellipse', { cx: s.e[0], cy: s.e[1], rx: s.e[2], ry: s.e[3], transform: 'rotate(' + s.e[4] + ' ' + s.e[0] + ' ' + s.e[1] + ')', 'class': cls }));
    } else if (s.k !== undefined) {
      for (var i = 0; i + 2 < s.k.length; i += 3) {
        if (s.k[i + 2] === 0) { continue; }
        made.push(svgNode('circle', { cx: s.k[i], cy: s.k[i + 1], r: radius, 'class': cls + ' point' + (s.k[i + 2] === 1 ? ' occluded' : '') }));
      }
    }
    made.forEach(function (e) {
      var t = svgNode('title', {});
      t.textContent = tip;
      e.appendChild(t);
      if (change) { e.setAttribute('data-change', String(s.c)); }
      g.appendChild(e);
    });
    return made.length;
  }

  // The image with its shapes: the picture (or a blank canvas of its size
  // where the file was not found), then unchanged, old and new shapes.
  function canvas(img, thumb) {
    var svg = svgNode('svg', { viewBox: '0 0 ' + img.w + ' ' + img.h, 'class': 'canvas', preserveAspectRatio: 'xMidYMid meet' });
    svg.appendChild(svgNode('rect', { x: 0, y: 0, width: img.w, height: img.h, 'class': 'blank' }));
    if (img.src) {
      svg.appendChild(svgNode('image', { href: img.src, x: 0, y: 0, width: img.w, height: img.h, preserveAspectRatio: 'none' }));
    }
    var g = svgNode('g', {});
    var radius = Math.max(img.w, img.h) / (thumb ? 80 : 160);
    var same = 0, drawn = 0;
    for (var pass = 0; pass < 3; pass++) {
      var want = ['u', 'o', 'n'][pass];
      for (var i = 0; i < img.shapes.length; i++) {
        var s = img.shapes[i];
        if (s.s !== want) { continue; }
        if (s.c >= 0 && !changeMatches(img.changes[s.c])) { continue; }
        if (want === 'u') { if (thumb && same >= THUMB_SAME) { continue; } same++; }
        drawn += drawShape(g, img, s, radius);
      }
    }
    svg.appendChild(g);
    svg.setAttribute('data-shapes', String(drawn));
    return svg;
  }

  function card(i) {
    var img = images[i];
    var c = node('div', 'card');
    c.setAttribute('data-index', String(i));
    c.setAttribute('data-key', img.key);
    c.appendChild(canvas(img, true));
    var name = node('div', 'name');
    name.appendChild(node('span', 'badge ' + img.status, img.status));
    name.appendChild(document.createTextNode(img.key));
    name.title = img.key;
    c.appendChild(name);
    var n = 0;
    for (var j = 0; j < img.changes.length; j++) { if (changeMatches(img.changes[j])) { n++; } }
    c.appendChild(node('div', 'what', n + ' change' + (n === 1 ? '' : 's') + (img.src ? '' : ' · no picture')));
    c.addEventListener('click', function () { select(i, false); });
    return c;
  }

  function buildMore() {
    var grid = document.getElementById('grid');
    var end = Math.min(state.shown.length, state.built + PAGE);
    for (var p = state.built; p < end; p++) { grid.appendChild(card(state.shown[p])); }
    state.built = end;
    var more = document.getElementById('more');
    more.hidden = state.built >= state.shown.length;
    more.textContent = 'Show ' + Math.min(PAGE, state.shown.length - state.built) + ' more of ' + (state.shown.length - state.built);
  }

  function render(keepKey) {
    state.shown = [];
    for (var i = 0; i < images.length; i++) { if (imageMatches(images[i])) { state.shown.push(i); } }
    var grid = document.getElementById('grid');
    while (grid.firstChild) { grid.removeChild(grid.firstChild); }
    state.built = 0;
    buildMore();
    document.getElementById('count').textContent = state.shown.length + ' of ' + images.length + ' images shown';
    document.body.setAttribute('data-shown', String(state.shown.length));
    document.body.setAttribute('data-label', state.label);
    document.body.setAttribute('data-kind', state.kind);
    var at = -1;
    if (keepKey !== null) {
      for (var p = 0; p < state.shown.length; p++) { if (images[state.shown[p]].key === keepKey) { at = state.shown[p]; break; } }
    }
    if (at < 0 && state.shown.length) { at = state.shown[0]; }
    select(at, false);
  }

  function select(i, scroll) {
    state.selected = i;
    var view = document.getElementById('viewer');
    while (view.firstChild) { view.removeChild(view.firstChild); }
    var cards = document.querySelectorAll('#grid .card.selected');
    for (var c = 0; c < cards.length; c++) { cards[c].classList.remove('selected'); }
    writeHash();
    if (i < 0) { view.appendChild(node('p', 'hint', 'No image matches the filters.')); return; }
    var pos = state.shown.indexOf(i);
    while (pos >= state.built) { buildMore(); }
    var el = document.querySelector('#grid .card[data-index="' + i + '"]');
    if (el) { el.classList.add('selected'); if (scroll) { el.scrollIntoView({ block: 'nearest' }); } }
    var img = images[i];
    var h = node('h2', '', img.key);
    h.insertBefore(node('span', 'badge ' + img.status, img.status), h.firstChild);
    view.appendChild(h);
    var files = node('div', 'hint');
    files.textContent = (img.old ? 'old: ' + img.old.file + ' (' + img.old.w + 'x' + img.old.h + ')' : 'not in old') +
      ' · ' + (img.new ? 'new: ' + img.new.file + ' (' + img.new.w + 'x' + img.new.h + ')' : 'not in new') +
      ' · ' + (pos + 1) + ' of ' + state.shown.length;
    view.appendChild(files);
    if (!img.src) { view.appendChild(node('div', 'missing', 'No picture (' + (img.note || 'image file not found') + '): shapes drawn on a blank canvas of its size.')); }
    view.appendChild(canvas(img, false));
    if (img.hidden) { view.appendChild(node('div', 'hint', img.hidden + ' unchanged shapes not drawn (more than the page draws on one image)')); }
    var list = node('ol', 'changes');
    img.changes.forEach(function (ch, n) {
      var li = node('li', changeMatches(ch) ? '' : 'filtered-out', ch.text);
      li.addEventListener('mouseenter', function () { focusChange(n, true); });
      li.addEventListener('mouseleave', function () { focusChange(n, false); });
      list.appendChild(li);
    });
    view.appendChild(list);
  }
  function focusChange(n, on) {
    var shapes = document.querySelectorAll('#viewer [data-change="' + n + '"]');
    for (var i = 0; i < shapes.length; i++) { shapes[i].classList.toggle('focus', on); }
  }

  function step(by) {
    if (!state.shown.length) { return; }
    var pos = state.shown.indexOf(state.selected);
    pos = Math.max(0, Math.min(state.shown.length - 1, pos + by));
    select(state.shown[pos], true);
  }

  function setupFilters() {
    var ls = document.getElementById('filter-label');
    data.labels.forEach(function (l) { var o = node('option', '', l); o.value = l; ls.appendChild(o); });
    var ks = document.getElementById('filter-kind');
    data.kinds.forEach(function (k, n) {
      if (!data.kindCounts[n]) { return; }
      var o = node('option', '', k + ' (' + data.kindCounts[n] + ')'); o.value = k; ks.appendChild(o);
    });
    ls.value = state.label; ks.value = state.kind;
    ls.addEventListener('change', function () { state.label = ls.value; render(null); });
    ks.addEventListener('change', function () { state.kind = ks.value; render(null); });
    document.getElementById('more').addEventListener('click', buildMore);
  }

  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var t = e.target && e.target.tagName;
    if (t === 'SELECT' || t === 'INPUT' || t === 'TEXTAREA') { return; }
    if (e.key === 'j' || e.key === 'ArrowRight' || e.key === 'ArrowDown') { step(1); e.preventDefault(); }
    if (e.key === 'k' || e.key === 'ArrowLeft' || e.key === 'ArrowUp') { step(-1); e.preventDefault(); }
  });

  var key = readHash();
  // A label the data does not know (from a hand-typed hash) is kept as an
  // option, so the filter shows what it filters on.
  if (state.label && data.labels.indexOf(state.label) < 0) { data.labels.push(state.label); }
  setupFilters();
  render(key);
  window.addEventListener('hashchange', function () {
    var k = readHash();
    document.getElementById('filter-label').value = state.label;
    document.getElementById('filter-kind').value = state.kind;
    render(k);
  });
  document.body.setAttribute('data-ready', '1');
}());
