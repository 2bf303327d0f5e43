// presenter.js: the presenter console (/presenter), on the laptop and on
// the presenter's phone at once. It sends commands over /ws/presenter and
// shows what the server confirms in `state`, not what it asked for: every
// device matches what the audience sees. See README.md.

const v = new URL(import.meta.url).search; // see audience.js
const [{ connect, sync, showStatus }, { fetchDeck, render, fit, inspect, count }, { keys }, { clock, plan, pace }, { stayAwake }] =
  await Promise.all(['socket', 'deck', 'nav', 'pacing', 'wake'].map(m => import(`./${m}.js${v}`)));

const $ = id => document.getElementById(id);
const current = $('current'), upcoming = $('upcoming'), gotoInput = $('goto'), lengthInput = $('length');

let deck = null, live = null, shown = null, unmount = () => {}, schedule = null;
// pending are this device's steps not yet confirmed ({from, to, at}), so
// that quick presses step from the last one rather than from a stale
// state, and each press moves once.
let pending = [];

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
    $('next-title').textContent = next ? titleOf(upcoming.firstChild) : 'End of the deck';
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

// titleOf is a slide's first heading, else the start of its text.
function titleOf(s) {
  const h = s.querySelector('h1, h2, h3')?.textContent.trim();
  if (h) return h;
  const t = s.textContent.trim().replace(/\s+/g, ' ');
  return t.length > 60 ? t.slice(0, 59) + '…' : t || '(no title)';
}

const resized = new ResizeObserver(() => {
  for (const s of document.querySelectorAll('.wt-frame > .wt-slide')) fit(s);
});

// step moves by d from where this device last asked to be. The command
// says which step it was issued from: when another device moved the talk
// first, the server drops it, so two presses of Next on two devices at the
// same moment move the talk once.
function step(d) {
  if (!deck || !live) return;
  const f = from(), i = Math.max(0, Math.min(f + d, deck.slides.length - 1));
  if (i !== f && sock.send({ type: 'goto', index: i, from: f })) pending.push({ from: f, to: i, at: Date.now() });
}
// jump goes to step i wherever the talk is (Go to, Home, End).
function jump(i) {
  if (!deck || !live) return;
  i = Math.max(0, Math.min(i, deck.slides.length - 1));
  if (i !== from() && sock.send({ type: 'goto', index: i })) pending = [{ from: -1, to: i, at: Date.now() }];
}
function from() {
  pending = pending.filter(p => Date.now() - p.at < 3000); // lost or dropped: trust the server again
  return pending.length ? pending.at(-1).to : live.index;
}
// confirmed forgets the presses that state index answers; when it answers
// none of them, another device moved the talk (or ours were dropped).
function confirmed(index) {
  const k = pending.findIndex(p => p.to === index);
  if (k >= 0) pending.splice(0, k + 1);
  else if (!pending.some(p => p.from === index)) pending = [];
}

function blackout() {
  if (live) sock.send({ type: 'blackout', on: !live.blackout });
}

// The controls work once the socket is open and the console shows the
// talk: a press before then would go nowhere.
let status = 'connecting';
const enable = () => {
  for (const b of document.querySelectorAll('.wt-controls button:not(#qr-hold)')) b.disabled = status !== 'live' || !live;
};

const state = sync(() => fetchDeck('/api/presenter/deck'), d => {
  deck = d;
  if (d.title) document.title = d.title + ' — presenter';
  shown = null;
  schedule = plan(d.slides, talk.length);
}, m => {
  live = { index: m.index, blackout: !!m.blackout };
  confirmed(live.index);
  update();
  tick();
  enable();
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
let here = 0, relay = null, viewers = 0;
function audience() {
  const edges = relay?.edges ?? [];
  const n = viewers = edges.reduce((sum, e) => sum + e.count, here);
  $('audience').textContent = n === 1 ? '1 viewer' : `${n} viewers`;
  room(); // the poll's "k of n voted"
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
import(`./interact-presenter.js${v}`).then(x => { room = x.mount(sock, () => deck?.slides[live?.index], () => viewers); early.forEach(room); room(); });

// The phone's screen stays on while the console is live.
const awake = stayAwake((lock, why) => {
  const w = $('wake');
  w.dataset.state = lock;
  w.textContent = lock === 'on' ? 'screen stays on' : lock === 'unavailable' ? why : '';
  w.hidden = lock === 'off';
});

const sock = connect('/ws/presenter', m => {
  room(m);
  if (m.type === 'state') state(m);
  else if (m.type === 'timer') timerChanged(m);
  else if (m.type === 'audience') { here = m.count; audience(); }
  else if (m.type === 'relay') { relay = m; audience(); }
  else if (m.type === 'problems') problems(m.problems || []);
}, s => {
  showStatus($('status'), s);
  status = s;
  enable();
  awake.want(s === 'live');
});

// The talk's clock is the server's: it starts at the first slide change,
// and every presenter device shows the same time. skew is the server's
// clock minus this device's.
const talk = { start: 0, length: 0, skew: 0 };
function timerChanged(m) {
  const lengthChanged = m.length !== talk.length;
  Object.assign(talk, { start: m.start, length: m.length, skew: m.now - Date.now() });
  if (document.activeElement !== lengthInput) lengthInput.value = m.length ? Math.round(m.length / 6e4 * 10) / 10 : '';
  if (deck && lengthChanged) schedule = plan(deck.slides, talk.length);
  warned = null;
  tick();
}
const elapsed = () => talk.start ? Math.max(0, Date.now() + talk.skew - talk.start) : 0;

// warned is the time left when the phone last vibrated, so that it buzzes
// once as the talk crosses 5 minutes left and once at the end.
let warned = null;
function tick() {
  const e = elapsed();
  $('elapsed').textContent = clock(e);
  $('elapsed').classList.toggle('wt-running', !!talk.start);
  $('clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const left = schedule ? schedule.length - e : null, p = live && talk.start && pace(schedule, live.index, e);
  $('left').hidden = left === null;
  if (left !== null) {
    $('left').textContent = left >= 0 ? clock(left) + ' left' : 'over by ' + clock(left);
    $('left').classList.toggle('wt-over', left < 0);
  }
  $('pace').hidden = !p;
  if (p) {
    $('pace').dataset.pace = p.pace;
    $('pace').textContent = p.pace === 'on time' ? 'on time' : `${p.pace} ${clock(p.by)}`;
  }
  if (left !== null && talk.start) {
    for (const at of [5 * 6e4, 0]) {
      if (warned !== null && warned > at && left <= at) navigator.vibrate?.(at ? [200, 100, 200] : [600, 200, 600]);
    }
    warned = left;
  }
}
tick();
setInterval(tick, 1000);

// The notes' size, remembered on this device.
const notesKey = 'wiretalk.notes';
function notesSize(d) {
  const now = parseFloat(getComputedStyle($('notes')).fontSize);
  const px = Math.max(16, Math.min(40, (d ? now + d : Number(localStorage[notesKey]) || 0)));
  if (!d && !localStorage[notesKey]) return;
  document.body.style.setProperty('--wt-notes', px + 'px');
  localStorage[notesKey] = px;
}
notesSize(0);
$('bigger').onclick = () => notesSize(2);
$('smaller').onclick = () => notesSize(-2);

// "Open on your phone": the presenter URL's QR code, only while the
// button is held down (mouse, finger, or Space/Enter held). The image is
// fetched each time and dropped after, so it stays nowhere on the page.
const qr = $('qr'), qrPanel = $('qr-panel'), qrHold = $('qr-hold');
function showQR(on) {
  if (on === !qrPanel.hidden) return;
  qrPanel.hidden = !on;
  if (on) qr.src = '/api/presenter/qr.svg?t=' + Date.now();
  else qr.removeAttribute('src');
}
qrHold.onpointerdown = e => { qrHold.setPointerCapture(e.pointerId); showQR(true); };
for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) qrHold.addEventListener(type, () => showQR(false));
qrHold.onkeydown = e => { if (e.key === ' ' || e.key === 'Enter') { e.preventDefault(); showQR(true); } };
qrHold.onkeyup = () => showQR(false);
qrHold.onblur = () => showQR(false);
qr.onerror = () => { if (!qrPanel.hidden) qr.alt = 'No QR code: this computer has no network address a phone could reach.'; };

keys(a => {
  if (!live) return false;
  if (a === 'next') step(1);
  else if (a === 'prev') step(-1);
  else if (a === 'first') jump(0);
  else if (a === 'last') jump(Infinity);
  else if (a === 'blackout') blackout();
  else if (a === 'goto') { gotoInput.focus(); gotoInput.select(); }
});
const overview = () => live && import(`./overview.js${v}`).then(m => m.showDeck(deck, live.index, render, jump));
$('overview').onclick = overview;
addEventListener('keydown', e => { // o, as nav.js's keys would take it
  if (e.key === 'o' && !e.ctrlKey && !e.altKey && !e.metaKey && !e.target.closest('input, textarea, select')) overview();
});
$('prev').onclick = () => step(-1);
$('next').onclick = () => step(1);
$('blackout').onclick = blackout;
$('reset').onclick = () => sock.send({ type: 'reset' });
$('goto-form').onsubmit = e => {
  e.preventDefault();
  const i = deck ? deck.slides.findIndex(s => String(s.number) === gotoInput.value.trim()) : -1;
  if (i < 0) {
    gotoInput.setCustomValidity('No such slide');
    gotoInput.reportValidity();
    return;
  }
  jump(i);
  gotoInput.value = '';
  gotoInput.blur();
};
gotoInput.oninput = () => gotoInput.setCustomValidity('');
gotoInput.onkeydown = e => { if (e.key === 'Escape') gotoInput.blur(); };
// The talk's length, in minutes, for every device: on Enter or leaving the field.
$('length-form').onsubmit = e => { e.preventDefault(); lengthInput.blur(); };
lengthInput.onchange = () => {
  const m = Number(lengthInput.value);
  if (lengthInput.value === '' || m > 0) sock.send({ type: 'length', minutes: m || 0 });
};
