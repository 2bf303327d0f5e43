// export.js: the viewer of a static export (wiretalk export). See README.md.
// The export runs it as one classic script built from it and the modules it
// imports, since modules do not load from file://.
import { keys, swipe } from './nav.js';
import { fit } from './deck.js';
import { overview, onKey } from './overview.js';
import { mount } from './inspector.js';
import { about } from './replay.js';

const $ = id => document.getElementById(id);
const steps = [...document.querySelectorAll('.wt-step')];
const body = document.body, dialog = $('overview');
const RESUME = 'wiretalk.resume.' + body.dataset.deck, NOTES = 'wiretalk.notes';
const store = {
  get: k => { try { return localStorage.getItem(k); } catch { return null; } },
  set: (k, v) => { try { localStorage.setItem(k, v); } catch { /* private mode */ } },
};
let view = -1, slide, built, unmount = () => {};

const first = i => +steps[i].dataset.first;

function show(i, how = 'push') {
  i = Math.max(0, Math.min(i, steps.length - 1));
  if (i === view) return;
  const was = view;
  for (const s of was >= 0 ? [steps[was]] : steps) s.hidden = true; // the page comes with step 0 shown
  view = i;
  const st = steps[i];
  st.hidden = false;
  slide = st.querySelector('.wt-slide');
  $('count').textContent = st.dataset.count;
  $('prev').disabled = !i;
  $('next').disabled = i === steps.length - 1;
  resized.disconnect(); // refit when the box or the content resizes
  [st.firstElementChild, ...slide.children].forEach(e => resized.observe(e));
  unmount();
  unmount = inspect(slide);
  const h = hashOf(i);
  if (how !== 'none' && location.hash !== h) {
    if (how === 'push' && was >= 0 && first(was) !== first(i)) history.pushState(null, '', h);
    else history.replaceState(null, '', h);
  }
  if (was >= 0 || i) store.set(RESUME, String(i));
  if (was >= 0) $('resume').hidden = true;
  if (was >= 0 && st.getBoundingClientRect().top < 0) scrollTo(0, 0);
}
const resized = new ResizeObserver(() => fit(slide, 14));

// inspect mounts the inspector on the slide's boxes, replaying the
// export's recording (replay.js stands in for its sockets).
function inspect(s) {
  // export puts a recording in every page whose deck has an inspector.
  const boxes = [...s.querySelectorAll('.wt-inspector')];
  if (!boxes.length) return () => {};
  const line = about();
  const offs = boxes.map(b => {
    if (!b.previousElementSibling?.classList.contains('wt-recorded')) {
      const p = document.createElement('p');
      p.className = 'wt-recorded';
      p.textContent = line;
      b.before(p);
    }
    b.classList.add('wt-replay');
    return mount(b);
  });
  return () => offs.forEach(off => off());
}

// #name (#name.2 for a slide's second step), or #number: the number the
// page shows, which names the first step that shows it. hashOf gives a
// fragment that fromHash maps back to the same step.
function hashOf(i) {
  const f = steps[first(i)], step = i - first(i), n = steps[i].dataset.number;
  if (!f.dataset.name && fromHash('#' + n) === i) return '#' + n;
  return '#' + encodeURIComponent(f.dataset.name || f.dataset.number) + (step ? '.' + (step + 1) : '');
}
function fromHash(hash) {
  let h;
  try { h = decodeURIComponent(hash.slice(1)); } catch { return -1; }
  if (!h) return -1;
  const named = n => steps.findIndex((s, i) => first(i) === i && s.dataset.name === n);
  const numbered = n => steps.findIndex(s => s.dataset.number === n);
  let j = named(h);
  if (j < 0) j = numbered(h);
  const [, base, step] = /^(.*?)(?:\.(\d+))?$/.exec(h);
  if (j < 0 && step) {
    j = named(base);
    if (j < 0) j = numbered(base);
    if (j >= 0) {
      const f = first(j);
      j = f + (step - 1);
      if (j >= steps.length || first(j) !== f) return -1;
    }
  }
  return j;
}

function toggleNotes(on = body.classList.contains('wt-hide-notes')) {
  body.classList.toggle('wt-hide-notes', !on);
  $('notes-toggle').setAttribute('aria-pressed', String(on));
  store.set(NOTES, on ? 'on' : 'off');
}

function openOverview() {
  if (!built) {
    const items = [];
    steps.forEach((s, i) => {
      if (first(i) !== i) return;
      let last = i;
      while (last + 1 < steps.length && first(last + 1) === i) last++;
      items.push({ section: steps[last].querySelector('.wt-slide'), label: s.dataset.number, index: i });
    });
    built = overview($('grid'), items, i => { dialog.close(); show(i); });
  }
  dialog.showModal();
  const cur = built.find(b => +b.dataset.index === first(view)) || built[0];
  cur.focus();
  cur.scrollIntoView({ block: 'nearest' });
}

const act = a => {
  if (dialog.open) return false;
  if (a === 'next') show(view + 1);
  else if (a === 'prev') show(view - 1);
  else if (a === 'first') show(0);
  else if (a === 'last') show(steps.length - 1);
  else return false;
};
keys(act);
swipe($('stage'), act);
dialog.addEventListener('keydown', e => {
  if (e.key === 'o') { e.preventDefault(); e.stopPropagation(); dialog.close(); }
});
$('prev').onclick = () => show(view - 1);
$('next').onclick = () => show(view + 1);
onKey(openOverview);
$('open-overview').onclick = openOverview;
$('close-overview').onclick = () => dialog.close();
if ($('notes-toggle')) $('notes-toggle').onclick = () => toggleNotes();
const follow = () => {
  const i = fromHash(location.hash);
  if (i >= 0) show(i, 'none');
};
addEventListener('popstate', follow);
addEventListener('hashchange', follow);

// In print media every slide's last step is laid out on its page: fit each
// (the PDF export switches to print media before printing, so this runs).
const printing = matchMedia('print');
printing.addEventListener('change', () => {
  for (const s of document.querySelectorAll('.wt-step[data-last] .wt-slide')) {
    if (printing.matches) fit(s);
    else s.style.fontSize = '';
  }
  if (!printing.matches) fit(slide, 14);
});

if ($('notes-toggle')) toggleNotes(store.get(NOTES) !== 'off');
const start = fromHash(location.hash), saved = parseInt(store.get(RESUME), 10);
show(Math.max(start, 0), 'replace');
if (start < 0 && saved > 0 && saved < steps.length) {
  $('resume-to').textContent = steps[saved].dataset.number;
  $('resume').hidden = false;
  $('resume-go').onclick = () => show(saved);
  $('resume-no').onclick = () => { $('resume').hidden = true; };
}
