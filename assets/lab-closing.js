// The inspector lab's closing controls, which lab.js mounts: the page and
// the server closing at the same moment (demo/lab_simclose.go), and the
// page reconnecting to a restarting server with a random first delay, each
// next one doubled (demo/lab_backoff.go). lab.js runs them and draws their
// frames; this holds their timing, their verdict and the backoff's view.

const v = new URL(import.meta.url).search; // our ?v=, as lab.js imports us
const { h } = await import(`./inspector-view.js${v}`);

// Reconnecting after a failure (RFC 6455 §7.2.3): a random first delay
// in [FIRST_MIN, FIRST_MAX) ms, then twice the last one, at most
// BACKOFF_MAX ms, for at most BACKOFF_TRIES attempts.
const FIRST_MIN = 200, FIRST_MAX = 800, BACKOFF_MAX = 10000, BACKOFF_TRIES = 8;
const backoffWindow = (k) => [FIRST_MIN, FIRST_MAX].map((x) => Math.min(x * 2 ** k, BACKOFF_MAX));

// closeTogether is the page's part of the simultaneous close, once the
// server says it is ready: one message, and close in the same breath.
export function closeTogether(run, spec) {
  run.sent = true;
  spec.send('both close now');
  spec.close(1000, 'the page closes too');
  run.events.push({ kind: 'called' });
}

// simcloseVerdict says how the two closes went in run, or what they wait
// for while the page has no close event yet.
export function simcloseVerdict(run) {
  const b = run.browser, p = run.page;
  const order = run.events.filter((e) => e.f && e.f.close).sort((x, y) => x.seq - y.seq).map((e) => e.f.dir);
  if (!p) return order.length ? 'Both closes are on their way…' : 'Waiting for the server…';
  const server = run.events.find((e) => e.f && e.f.close && e.f.dir === 'out');
  if (order.join(' ') === 'out in' && b && server && b.reason !== server.f.close.reason) {
    return 'Both sides sent a close frame, and neither was an answer to the other: the server sent its own before it read yours, and your browser sent the one your page asked for, with its own reason, not the server\'s. ' +
      'Each side, having sent its close, took the other\'s as the end of the closing handshake (§7.1.3). ' +
      'Here on one machine the server waits a moment before its close, so that your browser\'s is already on its way; over a network the two would pass each other on the wire. The lab cannot promise this timing on every run.';
  }
  if (order.join(' ') === 'out in') {
    return 'This time your browser\'s close answered the server\'s: it echoes the server\'s reason. The server\'s close arrived before your browser had written the one your page asked for; the timing of a simultaneous close is not something a page controls.';
  }
  return `This time the closes went ${order.join(', then ')}: not crossing.`;
}

// retry is the page's own reconnecting after a failure (RFC 6455
// §7.2.3): a random first delay, then each one twice the last. It is
// called when the lab's socket closes during run r, with the close event
// e; lab is what mountLab shares with it (lab.js).
export function retry(lab, r, e) {
  const b = r.backoff;
  if (b.delays.length) b.tries.push(`refused (${e.code})`);
  else b.lost = { code: e.code, wasClean: e.wasClean };
  if (b.delays.length === BACKOFF_TRIES) {
    b.done = true;
    lab.draw();
    return lab.say('The lab gave up reconnecting. Reconnect with one tap.', true);
  }
  const last = b.delays[b.delays.length - 1];
  const delay = last ? Math.min(2 * last, BACKOFF_MAX) : Math.round(FIRST_MIN + Math.random() * (FIRST_MAX - FIRST_MIN));
  b.delays.push(delay);
  lab.say(`Reconnecting in ${delay} ms (attempt ${b.delays.length})…`, true);
  lab.draw();
  b.timer = setTimeout(() => {
    if (!lab.dead && lab.run === r) lab.openSpecimen();
  }, delay);
}

// drawBackoff shows the page's reconnecting: each delay it chose, in
// its window, and what each attempt met, in result, and sets result's
// dataset for the tests (demo/lab_browser_test.go).
export function drawBackoff(run, result) {
  const r = run.rule, b = run.backoff;
  const res = [h('h3', {}, r.title), h('p', { class: 'wtl-rule' }, r.rule)];
  if (b.lost) res.push(h('p', { class: 'wtl-page' }, h('b', {}, 'Your page: '), `the server dropped the connection: close event, code ${b.lost.code}, wasClean=${b.lost.wasClean}.`));
  res.push(h('h4', {}, 'Your page reconnecting'), b.delays.length
    ? h('ol', { class: 'wtl-timeline wtl-backoff' }, b.delays.map((d, k) => {
      const [lo, hi] = backoffWindow(k);
      return h('li', { class: b.tries[k] === 'open' ? 'wtl-out' : 'wtl-in' }, h('b', {}, `Attempt ${k + 1}: `),
        `waited ${d} ms (${k ? `twice ${b.delays[k - 1]} ms, ` : 'random, '}window ${lo}–${hi} ms)`,
        h('span', { class: 'wtl-bar', style: `width: ${Math.min(100, d / 40)}%` }), b.tries[k] ? ` → ${b.tries[k] === 'open' ? 'connected' : b.tries[k]}` : ' …');
    }))
    : h('p', {}, 'Waiting for the server to drop the connection…'));
  if (b.refusals.length) res.push(h('ul', { class: 'wtl-timeline' }, b.refusals.map((t) => h('li', { class: 'wtl-server' }, h('b', {}, 'The server: '), t))));
  if (b.done && b.tries.at(-1) === 'open') {
    res.push(h('p', { class: 'wtl-verdict' }, `Back after ${b.delays.length} attempts and ${b.delays.reduce((a, d) => a + d, 0)} ms of waiting. ` +
      'Your first delay was random: a thousand pages dropped by the same restart would each pick another, and come back spread out instead of all at once; each later delay doubles, so a server that stays down is asked less and less often.'));
  }
  result.replaceChildren(...res);
  const ds = result.dataset;
  for (const k of Object.keys(ds)) delete ds[k];
  Object.assign(ds, { rule: r.id, delays: b.delays.join(' '), windows: b.delays.map((_, k) => backoffWindow(k).join('-')).join(' '),
    tries: b.tries.join(','), refusals: String(b.refusals.length), lostCode: b.lost ? b.lost.code : '', done: String(!!b.done) });
}
