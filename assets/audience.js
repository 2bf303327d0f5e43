// audience.js: the audience page. See README.md.

// Shared modules get our ?v=, so a new wiretalk never mixes with old caches.
const v = new URL(import.meta.url).search;
const [{ connect, sync, showStatus }, { fetchDeck, render, fit, inspect, number, count }, { keys, swipe }] =
  await Promise.all(['socket', 'deck', 'nav'].map(m => import(`./${m}.js${v}`)));

const $ = id => document.getElementById(id);
const frame = $('frame'), notes = $('notes'), follow = $('follow');
let deck, live, view = 0, attached = true, study = false, shown, slide, unmount = () => {};
let waited; // live, show slide 0 only if the presenter's is slow to come
setTimeout(() => { waited = true; update(); }, 2000);

// top is the last slide the viewer may see.
const top = () => Math.min(study ? 1e9 : live?.index ?? 0, deck.slides.length - 1);

function update() {
  if (!deck || !study && !live && !waited) return;
  if (!study && (attached || view >= top())) { view = top(); attached = true; }
  view = Math.max(0, Math.min(view, top()));
  const s = deck.slides[view];
  if (s !== shown) {
    unmount();
    shown = s;
    slide = render(frame, s);
    unmount = inspect(slide);
    resized.disconnect(); // refit when the box or the content (images, inspector) resizes
    [frame, ...slide.children].forEach(e => resized.observe(e));
    notes.innerHTML = study && s.notes || ''; // trusted, like slides
    notes.hidden = !notes.innerHTML;
    if (study) history.replaceState(null, '', hashOf(view));
  }
  $('count').textContent = count(deck, view);
  $('prev').disabled = !view;
  $('next').disabled = view >= top();
  follow.hidden = study || attached || !live;
  follow.textContent = `Presenter is on ${live && number(deck, live.index)} — tap to follow`;
  $('blackout').hidden = study || !live?.blackout;
}
const resized = new ResizeObserver(() => fit(slide, 14));

function go(i) {
  if (!deck || !study && live?.blackout) return;
  view = Math.max(0, Math.min(i, top()));
  attached = !study && view === top();
  update();
}

// #name or #number, and #name.2 for a slide's second step (`--`).
function hashOf(i) {
  const first = deck.slides[deck.slides[i].stepOf ?? i], step = i - first.index;
  return '#' + encodeURIComponent(first.name || first.number) + (step ? '.' + (step + 1) : '');
}
function fromHash(d, hash) {
  const h = decodeURIComponent(hash.slice(1)), [, base, step = 1] = /^(.*?)(?:\.(\d+))?$/.exec(h);
  const find = n => d.slides.findIndex(s => !s.continued && (s.name === n || String(s.number) === n));
  let j = find(h);
  if (j < 0 && (j = find(base)) >= 0 && d.slides[j + (step - 1)]?.stepOf === j) j += step - 1;
  return h ? j : -1;
}

// keep finds old's slide i in the new deck d, by name (and step) or index.
function keep(old, i, d) {
  const first = old.slides[old.slides[i].stepOf ?? i];
  const j = first.name ? d.slides.findIndex(s => s.name === first.name && !s.continued) : -1;
  if (j < 0) return i;
  let k = j + i - first.index;
  while (k > j && d.slides[k]?.stepOf !== j) k--;
  return k;
}

// The deck at once, then each newest state (m is null before the first).
const state = sync(() => fetchDeck('/api/deck'), d => {
  study = d.study;
  view = !deck ? Math.max(0, study ? fromHash(d, location.hash) : 0) : study || !attached ? keep(deck, view, d) : view;
  deck = d;
  shown = null;
  document.title = d.title || document.title;
}, m => {
  if (m) live = { index: m.index, blackout: m.blackout };
  update();
}, true);

const sock = connect('/ws', m => sock[m.type]?.(m), s => showStatus($('status'), s));
sock.state = state;
import(`./interact.js${v}`).then(x => x.mount(sock));

const act = a => {
  if (a === 'next') go(view + 1);
  else if (a === 'prev') go(view - 1);
  else if (a === 'first') go(0);
  else if (a === 'last') go(1e9);
  else return false;
};
keys(act);
swipe(document.body, act);
$('prev').onclick = () => go(view - 1);
$('next').onclick = () => go(view + 1);
follow.onclick = () => { attached = true; update(); };
onhashchange = () => {
  const i = study && deck ? fromHash(deck, location.hash) : -1;
  if (i >= 0) go(i);
};
