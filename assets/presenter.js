// presenter.js: the presenter page (/presenter). It sends goto and blackout
// over /ws/presenter and shows what the server confirms in `state`, not what
// it asked for: the screen matches what the audience sees.

const v = new URL(import.meta.url).search; // see audience.js
const [{ connect, sync, showStatus }, { fetchDeck, render, fit, inspect, count }, { keys }] =
  await Promise.all(['socket', 'deck', 'nav'].map(m => import(`./${m}.js${v}`)));

const $ = id => document.getElementById(id);
const current = $('current'), upcoming = $('upcoming'), gotoInput = $('goto');

let deck = null, live = null, shown = null, unmount = () => {};
// asked is the index of the last goto not yet confirmed, so that quick
// presses step from it rather than from a stale state.
let asked = null, askedAt = 0;

function update() {
  if (!deck || !live) return;
  const i = Math.min(live.index, deck.slides.length - 1), s = deck.slides[i];
  if (s !== shown) {
    unmount();
    shown = s;
    unmount = inspect(render(current, s));
    const next = deck.slides[i + 1];
    if (next) render(upcoming, next);
    else upcoming.replaceChildren(Object.assign(document.createElement('p'), { className: 'wt-end', textContent: 'End of the deck' }));
    $('notes').innerHTML = s.notes || ''; // trusted: rendered from the author's deck
    $('notes').scrollTop = 0;
    resized.disconnect(); // refit when a box or a slide's content resizes
    for (const e of [current, upcoming, ...current.firstChild.children, ...upcoming.firstChild.children]) resized.observe(e);
  }
  room();
  $('count').textContent = count(deck, i);
  document.body.classList.toggle('wt-blackout', live.blackout);
  $('blackout').setAttribute('aria-pressed', live.blackout);
}

const resized = new ResizeObserver(() => {
  for (const s of document.querySelectorAll('.wt-frame > .wt-slide')) fit(s);
});

function go(i) {
  if (!deck || !live) return;
  i = Math.max(0, Math.min(i, deck.slides.length - 1));
  if (i === from()) return;
  if (sock.send({ type: 'goto', index: i })) {
    asked = i;
    askedAt = Date.now();
    timer.start();
  }
}
const from = () => (asked !== null && Date.now() - askedAt < 1500 ? asked : live.index);

function blackout() {
  if (live) sock.send({ type: 'blackout', on: !live.blackout });
}

const state = sync(() => fetchDeck('/api/presenter/deck'), d => {
  deck = d;
  if (d.title) document.title = d.title + ' — presenter';
  shown = null;
}, m => {
  live = { index: m.index, blackout: !!m.blackout };
  if (asked === live.index) asked = null;
  update();
});

function problems(list) {
  const ul = $('problems').querySelector('ul');
  ul.replaceChildren(...list.map(p => {
    const li = document.createElement('li');
    li.textContent = `${p.file}:${p.line}: ${p.message}`;
    return li;
  }));
  $('problems').hidden = !list.length;
}

// The audience here, plus that of the edges a relay reports (serve -relay).
let here = 0, relay = null;
function audience() {
  const edges = relay?.edges ?? [];
  const n = edges.reduce((sum, e) => sum + e.count, here);
  $('audience').textContent = n === 1 ? '1 viewer' : `${n} viewers`;
  const r = $('relay');
  r.hidden = !relay;
  if (!relay) return;
  r.dataset.state = relay.healthy ? 'live' : 'down';
  // A problem comes first: the line may be cut short on a narrow screen.
  const parts = [`relay ${relay.talk}`, ...(relay.healthy ? [] : [relay.problem]),
    ...(here ? [`here ${here}`] : []), ...edges.map(e => `${e.name} ${e.count}`)];
  r.textContent = r.title = parts.join(' · ');
}

// Poll, questions, reactions: interact-presenter.js.
let early = [], room = m => early.push(m);
import(`./interact-presenter.js${v}`).then(x => { room = x.mount(sock, () => deck?.slides[live?.index]); early.forEach(room); room(); });
const sock = connect('/ws/presenter', m => {
  room(m);
  if (m.type === 'state') state(m);
  else if (m.type === 'audience') { here = m.count; audience(); }
  else if (m.type === 'relay') { relay = m; audience(); }
  else if (m.type === 'problems') problems(m.problems || []);
}, s => {
  showStatus($('status'), s);
  for (const b of document.querySelectorAll('.wt-controls button')) b.disabled = s !== 'live';
});

// The talk's clock starts at the first slide change, and survives a reload
// of this page.
const timer = {
  key: 'wiretalk.start',
  start() { if (!localStorage[this.key]) { localStorage[this.key] = Date.now(); this.tick(); } },
  reset() { delete localStorage[this.key]; this.tick(); },
  tick() {
    const t0 = Number(localStorage[this.key]) || 0, s = t0 ? Math.floor((Date.now() - t0) / 1000) : 0;
    const pad = n => String(n).padStart(2, '0');
    $('elapsed').textContent = (s >= 3600 ? Math.floor(s / 3600) + ':' : '') + pad(Math.floor(s / 60) % 60) + ':' + pad(s % 60);
    $('elapsed').classList.toggle('wt-running', !!t0);
    $('clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  },
};
timer.tick();
setInterval(() => timer.tick(), 1000);

keys(a => {
  if (!live) return false;
  if (a === 'next') go(from() + 1);
  else if (a === 'prev') go(from() - 1);
  else if (a === 'first') go(0);
  else if (a === 'last') go(Infinity);
  else if (a === 'blackout') blackout();
  else if (a === 'goto') { gotoInput.focus(); gotoInput.select(); }
});
const overview = () => live && import(`./overview.js${v}`).then(m => m.showDeck(deck, live.index, render, go));
$('overview').onclick = overview;
addEventListener('keydown', e => { // o, as nav.js's keys would take it
  if (e.key === 'o' && !e.ctrlKey && !e.altKey && !e.metaKey && !e.target.closest('input, textarea, select')) overview();
});
$('prev').onclick = () => go(from() - 1);
$('next').onclick = () => go(from() + 1);
$('blackout').onclick = blackout;
$('reset').onclick = () => timer.reset();
$('goto-form').onsubmit = e => {
  e.preventDefault();
  const i = deck ? deck.slides.findIndex(s => String(s.number) === gotoInput.value.trim()) : -1;
  if (i < 0) {
    gotoInput.setCustomValidity('No such slide');
    gotoInput.reportValidity();
    return;
  }
  go(i);
  gotoInput.value = '';
  gotoInput.blur();
};
gotoInput.oninput = () => gotoInput.setCustomValidity('');
gotoInput.onkeydown = e => { if (e.key === 'Escape') gotoInput.blur(); };
