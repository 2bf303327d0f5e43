// The inspector lab (demo/lab.go): one tap makes the server send one thing
// RFC 6455 forbids, on this page's own specimen socket and no other, and the
// page shows what happened on all three sides: the bad frame bit by bit with
// the rule it breaks, the close frame this browser sent back (the server's
// observer saw it), and the close event this page got.
//
//   const unmount = mountLab(element)   // unmount() closes both sockets
//
// The lab has its own feed and specimen, apart from the inspector's, so a
// broken connection here never disturbs the inspector beside it. Wire data
// is only ever inserted with textContent, never as HTML.
//
// This module holds the lab's connection (its feed and specimen socket),
// its buttons, the controls that break a framing or closing rule or the
// opening handshake or send a message over the limit, and what they show.
// The rest is in modules of their own, which mountLab calls:
//
//   lab-frame.js         one frame drawn bit by bit
//   lab-negotiation.js   subprotocols, permessage-deflate, a strict Origin
//   lab-closing.js       the simultaneous close, the reconnect backoff

const GROUPS = [
  ['frame', 'Break a framing rule'],
  ['close', 'Break a closing rule'],
  ['handshake', 'Break the opening handshake (a new socket)'],
  ['page', 'Negotiation and limits (your page acts)'],
  ['valid', 'Valid, but worth seeing'],
];
// Where an engine differs from the RFC or from the other engine, as
// demo/lab_browser_test.go (Chromium) and demo/lab_firefox_test.go (Firefox)
// check: the engine, the controls concerned, and what it does.
const ENGINE_NOTES = [
  ['Chromium', 'badutf8', 'Chromium answers text that is not UTF-8 with 1002 (protocol error), not the 1007 that RFC 6455 §7.4.1 suggests.'],
  ['Chromium', 'masked rsv1 op3 opB ping126 fragping nonminimal msb64 orphan interleave badutf8', 'Chromium sends a close frame with 1002 before dropping TCP, with a reason ("Masked frame from server", "Unknown opcode"…) for most frame errors.'],
  ['Firefox', 'masked', 'Firefox accepts a masked frame from the server and hands the message to the page, though §5.1 says a client MUST close the connection.'],
  ['Firefox', 'rsv1 op3 opB ping126 fragping nonminimal msb64 orphan interleave badutf8', 'Firefox fails the connection without a close frame: it closes TCP, so the server sees only the end of the stream. §7.1.7 says an endpoint SHOULD send a close frame with a code first.'],
  ['Firefox', 'close1 close1005', 'Firefox takes a 1-byte close payload, and a close with code 1005, as a clean close with no code: the page sees 1005, wasClean=true, and Firefox answers with an empty close. Chromium fails the connection with 1002.'],
  ['Chromium', 'afterclose', 'Chromium answers the server\'s close, then fails the connection when data follows it: the page sees 1006, wasClean=false, though the closing handshake was done. Firefox ignores the late frame, and its page sees a clean 1000.'],
  ['Firefox', 'hs-subprotocol', 'Firefox accepts a Sec-WebSocket-Protocol that the page never offered and opens the socket, though §4.1 says the client MUST fail the connection. Chromium refuses it.'],
  ['Chromium', 'subprotocols', 'Chromium fails the connection (1006) when the page offered subprotocols and the server chose none, as the WHATWG WebSocket standard says. Firefox opens it with ws.protocol "", as RFC 6455 §4.2.2 allows: there the client fails only on a subprotocol it did not offer.'],
  ['Firefox', 'deflate-accepted', 'Firefox\'s ws.extensions names the extension alone ("permessage-deflate"), without the parameters the server agreed to; Chromium\'s is the server\'s whole answer.'],
  ['Both', 'code999 code1004 code2000 code5000', 'Both Chromium and Firefox let close codes 999, 1004, 2000 and 5000 through to the page as a clean close, and echo them back; the RFC defines none of them.'],
  ['Both', '', 'In every browser, the close code and reason a failing browser sends never reach the page: it sees 1006 with wasClean=false.'],
];
const ENGINE = /Firefox\//.test(navigator.userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(navigator.userAgent) ? 'Chromium' : '';

const v = new URL(import.meta.url).search; // our ?v=, for the modules we share with the inspector, and the lab's own
const [{ h, closeSockets }, { wsURL }, { stylesheet }, { bits, frameHex },
  { startNegotiation, negotiationOpened, drawNegotiation }, { closeTogether, simcloseVerdict, retry, drawBackoff }] =
  await Promise.all(['inspector-view', 'socket', 'deck', 'lab-frame', 'lab-negotiation', 'lab-closing'].map((m) => import(`./${m}.js${v}`)));

export function mountLab(root) {
  stylesheet('lab.css');
  const ac = new AbortController();
  let feed = null, spec = null, id = '', rules = [], conn = 0, run = null, dead = false;

  const status = h('p', { class: 'wtl-status', 'aria-live': 'polite' }, 'Connecting the lab…');
  const buttons = h('div', { class: 'wtl-buttons' });
  const result = h('section', { class: 'wtl-result', 'aria-live': 'polite', 'aria-label': 'What happened' });
  const reconnect = h('button', { type: 'button', class: 'wtl-reconnect', hidden: true }, 'Reconnect');
  // lab is what the controls of lab-negotiation.js and lab-closing.js
  // share of this closure: the run going on, the feed's id, whether the
  // lab is unmounted, the buttons, and these functions.
  const lab = {
    get run() { return run; },
    set run(r) { run = r; },
    get id() { return id; },
    get dead() { return dead; },
    buttons, say, draw, openSpecimen,
  };
  const notes = h('ul', { class: 'wtl-notes' }, ENGINE_NOTES.map(([engine, rules, text]) =>
    h('li', { 'data-engine': engine, 'data-rules': rules, class: engine === ENGINE ? 'wtl-yours' : '' }, h('b', {}, `${engine}: `), text)));
  // The lab connects when opened: a viewer who never opens it costs the
  // server no sockets.
  const box = h('details', { class: 'wtl-box' }, h('summary', { class: 'wtl-summary' }, 'Lab: break a rule, and watch your browser fail the connection'));
  root.classList.add('wtl');
  root.replaceChildren(box);
  box.addEventListener('toggle', () => {
    if (box.open && !feed) connect();
  }, { signal: ac.signal });
  box.append(
    h('p', { class: 'wtl-intro' }, 'One tap makes the server send one thing RFC 6455 forbids, on this lab\'s own connection and nobody else\'s. ' +
      'Watch your browser fail the connection: the bad frame, the close frame your browser sends back, and the close event this page gets.'),
    status, buttons, reconnect, result, h('details', { class: 'wtl-more' }, h('summary', {}, `Where browsers differ${ENGINE ? ` (you are on ${ENGINE})` : ''}`), notes));
  reconnect.addEventListener('click', () => {
    if (run && run.backoff && !run.backoff.done) { // the viewer does not wait for the backoff
      clearTimeout(run.backoff.timer);
      run.backoff.done = true;
    }
    if (feed && feed.readyState === 1) openSpecimen();
    else connect();
  }, { signal: ac.signal });
  buttons.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-rule]');
    if (b) start(rules.find((r) => r.id === b.dataset.rule));
  }, { signal: ac.signal });
  buttons.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.dataset.input) start(rules.find((r) => r.id === e.target.dataset.input));
  }, { signal: ac.signal });

  function say(text, warn) {
    status.textContent = text;
    status.classList.toggle('wtl-warn', !!warn);
  }
  function notOpen() {
    say('The lab\'s connection is not open: reconnect first.', true);
    reconnect.hidden = false;
  }
  function connect() {
    say('Connecting the lab…');
    feed = new WebSocket(wsURL('/demo/feed'));
    feed.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'feed') {
        id = m.id;
        feed.send(JSON.stringify({ type: 'lab-rules' }));
        openSpecimen();
      } else if (m.type === 'lab-rules') {
        rules = m.rules;
        drawButtons();
      } else record(m);
    };
    feed.onclose = () => {
      if (dead) return;
      say('The lab\'s feed closed. Reconnect to go on.', true);
      reconnect.hidden = false;
    };
  }
  // openSpecimen opens the lab's specimen socket, offering protocols,
  // with query added to its URL; it replaces the one open, if any. It
  // throws what new WebSocket throws (a SyntaxError for a bad
  // subprotocol), before anything is sent and with the old socket kept.
  function openSpecimen(protocols, query) {
    const s = new WebSocket(wsURL('/demo/specimen?feed=' + encodeURIComponent(id) + (query ? '&' + query : '')), protocols || []);
    if (spec) closeSockets([spec], 'reconnecting');
    reconnect.hidden = true;
    spec = s;
    s.onopen = () => {
      say('Connected. Pick a rule to break.');
      buttons.toggleAttribute('data-open', true);
      if (!run) return;
      if (run.neg) negotiationOpened(run, s);
      if (run.backoff) {
        run.backoff.tries.push('open');
        run.backoff.done = true;
      }
      draw();
    };
    s.onmessage = (e) => {
      if (s !== spec || !run) return;
      run.events.push({ kind: 'message', data: typeof e.data === 'string' ? e.data : `${e.data.size} bytes` });
      draw();
    };
    s.onclose = (e) => {
      if (dead || s !== spec) return;
      buttons.removeAttribute('data-open');
      if (run && run.backoff && !run.backoff.done) return retry(lab, run, e);
      if (run) {
        run.page = { code: e.code, reason: e.reason, wasClean: e.wasClean };
        run.events.push({ kind: 'close', e: run.page });
        draw();
      }
      say('This lab\'s connection is closed. Reconnect with one tap.', true);
      reconnect.hidden = false;
      reconnect.focus({ preventScroll: true });
    };
  }
  function drawButtons() {
    buttons.replaceChildren(...GROUPS.map(([g, title]) => h('fieldset', { class: `wtl-group wtl-${g}` }, h('legend', {}, title),
      rules.filter((r) => r.group === g).map((r) => {
        const b = h('button', { type: 'button', 'data-rule': r.id }, r.title);
        if (r.input == null) return b;
        return h('div', { class: 'wtl-field' }, h('label', {}, 'Subprotocols, comma-separated ',
          h('input', { type: 'text', value: r.input, 'data-input': r.id, spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off' })), b);
      }))));
  }
  // A handshake control opens a socket of its own whose handshake the
  // server answers wrongly; the lab's connection stays as it is.
  function startHandshake(rule) {
    if (!id) return say('The lab is not connected: reconnect first.', true);
    const r = run = { rule, hs: true, events: [], handshake: null, browser: null, page: null, fetch: null };
    const url = '/demo/specimen?feed=' + encodeURIComponent(id) + '&handshake=' + encodeURIComponent(rule.id);
    const s = new WebSocket(wsURL(url));
    s.onopen = () => {
      r.events.push({ kind: 'open' });
      s.close();
      draw();
    };
    s.onclose = (e) => {
      r.page = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      r.events.push({ kind: 'close', e: r.page });
      if (run === r) draw();
      if (!rule.fetch) return;
      // A plain request to the same URL: fetch() sees what the socket
      // could not. A redirect's status and Location are hidden from a
      // page (redirect: 'manual' gets an opaque answer), but fetch()
      // follows it, and says where it went.
      const shown = (x) => {
        r.fetch = x;
        if (run === r) draw();
      };
      const failed = (err) => shown({ status: 0, version: '', error: String(err) });
      if (rule.handshake === '302') {
        Promise.all([fetch(url, { cache: 'no-store', redirect: 'manual' }), fetch(url, { cache: 'no-store' })]).then(([m, f]) =>
          shown({ status: f.status, manual: m.type, redirected: f.redirected, to: new URL(f.url).pathname }), failed);
      } else {
        fetch(url, { cache: 'no-store' }).then((res) => shown({ status: res.status, version: res.headers.get('Sec-WebSocket-Version') || '' }), failed);
      }
    };
    draw();
  }
  // Controls where the page acts: send a message over the limit, close
  // with the server, reconnect after a restart (lab-closing.js), or
  // negotiate (lab-negotiation.js).
  function startPage(rule) {
    if (!id) return say('The lab is not connected: reconnect first.', true);
    const open = spec && spec.readyState === 1;
    if (['big', 'simclose', 'backoff'].includes(rule.page) && !open) return notOpen();
    if (rule.page === 'big') {
      run = { rule, conn, events: [], browser: null, page: null };
      spec.send('x'.repeat(2 << 20));
      return draw();
    }
    if (rule.page === 'simclose' || rule.page === 'backoff') {
      // The server acts first (lab_simclose.go, lab_backoff.go); its
      // notice tells the page to go on (record).
      run = { rule, conn, events: [], browser: null, page: null, backoff: rule.page === 'backoff' ? { delays: [], tries: [], refusals: [] } : null };
      feed.send(JSON.stringify({ type: 'lab', rule: rule.id }));
      return draw();
    }
    startNegotiation(lab, rule);
  }
  function start(rule) {
    if (!rule) return;
    if (rule.handshake) return startHandshake(rule);
    if (rule.page) return startPage(rule);
    if (!spec || spec.readyState !== 1) return notOpen();
    run = { rule, conn, events: [], browser: null, page: null };
    feed.send(JSON.stringify({ type: 'lab', rule: rule.id }));
    draw();
  }
  function record(r) {
    if (run && run.neg) {
      if (r.type === 'handshake' && !run.handshake && !r.handshake.request[0].includes('handshake=')) {
        run.handshake = r.handshake;
        conn = run.conn = r.conn;
        return draw();
      }
      if (r.type === 'notice' && r.notice.code === 'origin') {
        run.server = r.notice.text;
        return draw();
      }
    }
    if (run && run.hs && r.type === 'handshake' && !run.handshake && r.handshake.request[0].includes('handshake=')) {
      run.handshake = r.handshake;
      return draw();
    }
    if (r.type === 'handshake' && !r.handshake.request[0].includes('handshake=')) conn = r.conn;
    if (run && run.backoff && r.type === 'notice' && r.notice.code === 'refused') {
      run.backoff.refusals.push(r.notice.text);
      return draw();
    }
    if (!run || r.conn !== run.conn) return;
    if (r.type === 'notice') {
      if (r.notice.code === 'command') say(r.notice.text, true);
      if (r.notice.code === 'lab' && run.rule.page === 'simclose' && !run.sent && spec.readyState === 1) {
        closeTogether(run, spec);
        return draw();
      }
      if (r.notice.code === 'tcp') {
        run.events.push({ kind: 'frame', tcp: r.notice.text, fin: /server closed/.test(r.notice.text) ? 'fin-sent' : 'fin-received', seq: r.seq });
        return draw();
      }
      if (r.notice.code === 'closed' || r.notice.code === 'limit') {
        run.server = r.notice.text;
        draw();
      }
      return;
    }
    if (!r.frame) return;
    run.events.push({ kind: 'frame', f: r.frame, seq: r.seq });
    if (r.frame.dir === 'in' && r.frame.close && !run.browser) run.browser = r.frame.close;
    draw();
  }

  function drawHandshake() {
    const r = run.rule, x = run.handshake, p = run.page, f = run.fetch;
    const res = [h('h3', {}, r.title), h('p', { class: 'wtl-rule' }, r.rule), h('h4', {}, 'The server answered')];
    res.push(x ? h('pre', { class: 'wtl-http' }, x.response.join('\n')) : h('p', {}, 'Waiting…'));
    if (x && x.sent && !x.match) res.push(h('p', { class: 'wtl-viol' }, `✗ Sec-WebSocket-Accept should be ${x.accept} for this key; the server sent ${x.sent}.`));
    res.push(h('h4', {}, 'In your page'), p
      ? h('ul', { class: 'wtl-timeline' }, h('li', { class: 'wtl-page' }, h('b', {}, 'Your page: '), `close event, code ${p.code}, wasClean=${p.wasClean}`))
      : h('p', {}, 'Nothing yet.'));
    if (f) {
      res.push(h('p', { class: 'wtl-fetch' }, h('b', {}, 'fetch() of the same URL: '),
        !f.status ? `failed (${f.error}).` : f.redirected
          ? `with redirect: 'manual', an ${f.manual} answer (a page may not read a redirect's status or Location); followed, it lands on ${f.to} with status ${f.status}: the redirect your socket would not follow.`
          : `status ${f.status}${f.version ? `, Sec-WebSocket-Version: ${f.version}` : ''}: the answer the socket could not show.`));
    }
    if (p) {
      res.push(h('p', { class: 'wtl-verdict' }, run.events.some((e) => e.kind === 'open')
        ? 'Your browser accepted this handshake, though the RFC says it MUST fail the connection.'
        : `Your browser refused the handshake. Your page only learns ${p.code}${p.wasClean ? '' : ', wasClean=false'}: not the status, not the header that was wrong (the browser's console says more).`));
    }
    result.replaceChildren(...res);
    const ds = result.dataset;
    ds.rule = r.id;
    ds.response = x ? x.response.join('\n') : '';
    ds.pageCode = p ? p.code : '';
    ds.pageClean = p ? p.wasClean : '';
    ds.opened = String(run.events.some((e) => e.kind === 'open'));
    ds.fetch = !f ? '' : f.redirected ? `${f.manual} ${f.status} ${f.to} redirected` : `${f.status} ${f.version || ''}`.trim();
    for (const k of ['sent', 'server', 'browserCode', 'browserReason', 'messages', 'order']) ds[k] = '';
  }
  function draw() {
    if (run.hs) return drawHandshake();
    if (run.neg) return drawNegotiation(run, result);
    if (run.backoff) return drawBackoff(run, result);
    const r = run.rule, sim = r.page === 'simclose';
    // Frames in wire order (the feed's sequence), then what the page saw.
    const wireAll = run.events.filter((e) => e.kind === 'frame').sort((a, b) => a.seq - b.seq);
    const frames = wireAll.filter((e) => !e.tcp);
    const page = run.events.filter((e) => e.kind !== 'frame');
    const sent = frames.filter((e) => e.f.dir === 'out').slice(0, r.bytes.length);
    const lastBad = r.valid ? -1 : r.bytes.length - 1;
    const wire = h('ol', { class: 'wtl-timeline' }, wireAll.map((e) => {
      if (e.tcp) return h('li', { class: 'wtl-tcp' }, h('b', {}, 'TCP: '), e.tcp);
      const f = e.f, i = sent.indexOf(e);
      if (i >= 0) return h('li', { class: 'wtl-out' }, h('b', {}, `Server → browser: ${f.opName}`), bits(f, i === lastBad ? r.field : ''));
      const what = f.close ? (f.length ? `close ${f.close.code} (${f.close.name})${f.close.reason ? `, reason "${f.close.reason}"` : ', no reason'}` : 'close with no code (1005 stands for none)')
        : `${f.opName}${f.payload ? ` "${f.payload}"` : ''}`;
      return f.dir === 'in'
        ? h('li', { class: 'wtl-in' }, h('b', {}, sim && f.close ? 'Your browser → server, its own close: ' : 'Your browser → server: '), what)
        : h('li', { class: 'wtl-out' }, h('b', {}, sim ? 'Server → browser, its own close, sent before it read yours: ' : 'Server → browser, answering: '), what);
    }));
    const seen = h('ul', { class: 'wtl-timeline' }, page.map((e) => h('li', { class: 'wtl-page' }, h('b', {}, 'Your page: '), e.kind === 'message'
      ? `onmessage fired with "${e.data}"`
      : e.kind === 'called' ? 'ws.send("both close now"), then at once ws.close(1000, "the page closes too")'
        : `close event, code ${e.e.code}, wasClean=${e.e.wasClean}${e.e.reason ? `, reason "${e.e.reason}"` : ''}`)));
    const res = [h('h3', {}, r.title), h('p', { class: 'wtl-rule' }, r.rule)];
    if (r.drop) res.push(h('p', {}, 'The server closes its TCP socket: no frame at all.'));
    res.push(h('h4', {}, 'On the wire'), wireAll.length ? wire : h('p', {}, r.drop ? '(nothing)' : 'Waiting…'),
      run.server ? h('p', { class: 'wtl-server' }, h('b', {}, 'The server: '), run.server) : null,
      h('h4', {}, 'In your page'), page.length ? seen : h('p', {}, 'Nothing yet.'),
      h('p', { class: 'wtl-verdict' }, verdict()));
    result.replaceChildren(...res);
    const ds = result.dataset;
    ds.rule = r.id;
    ds.sent = sent.map((e) => frameHex(e.f)).join(' ');
    ds.server = run.server || '';
    ds.browserCode = run.browser ? run.browser.code : '';
    ds.browserReason = run.browser ? run.browser.reason : '';
    ds.pageCode = run.page ? run.page.code : '';
    ds.pageClean = run.page ? run.page.wasClean : '';
    ds.messages = page.filter((e) => e.kind === 'message').map((e) => e.data).join('\n');
    ds.order = frames.map((e) => `${e.f.dir}:${e.f.opName}`).concat(page.map((e) => e.kind)).join(' ');
    ds.tcp = wireAll.filter((e) => e.tcp).map((e) => e.fin).join(' ');
    ds.serverClose = frames.filter((e) => e.f.dir === 'out' && e.f.close).map((e) => frameHex(e.f)).join(' ');
  }
  function verdict() {
    const r = run.rule, b = run.browser, p = run.page;
    const got = run.events.some((e) => e.kind === 'message');
    const parts = [];
    if (r.page === 'big') {
      if (b || p) parts.push('The server read the header, saw a message over its limit, and closed with 1009 without reading the rest.');
    } else if (r.page === 'simclose') {
      parts.push(simcloseVerdict(run));
    } else if (!r.valid && !r.expect) {
      parts.push('Here the server broke the rule, not your browser: a browser that has received a close frame sends no more data and reads nothing after it.');
    } else if (!r.valid) {
      if (got && !p) {
        parts.push('Your browser accepted this and handed the message to your page, though RFC 6455 says it MUST fail the connection.');
      } else if (p && p.wasClean) {
        parts.push(`Your browser let this through: its page saw a clean close with ${p.code}, though RFC 6455 says the browser MUST fail the connection.`);
        if (b && b.code !== 1005) parts.push(`It even sent ${b.code} back, which a strict server (this one) answers by failing the connection with 1002.`);
        return parts.join(' ');
      } else if (b) {
        parts.push(b.code === r.expect
          ? `Your browser failed the connection with ${b.code}, as the RFC says.`
          : `Your browser failed the connection with ${b.code}, where the RFC suggests ${r.expect}: here this browser and the RFC's advice differ.`);
      } else if (p) {
        parts.push('Your browser failed the connection without a close frame: it closed TCP, so the server never learns why. §7.1.7 says it SHOULD send a close frame with a code first.');
      } else {
        return 'Waiting for your browser…';
      }
    } else if (b) {
      parts.push(b.code === 1005 ? 'Your browser answered with an empty close.' : `Your browser answered with close ${b.code}.`);
    }
    if (p) {
      parts.push(p.wasClean
        ? `Your page saw a clean close with code ${p.code}.`
        : `Your page only learns ${p.code}, wasClean=false: ${b ? 'the code and reason your browser sent the server never reach the page' : 'no close frame crossed the wire'}.`);
    }
    return parts.join(' ');
  }

  return function unmount() {
    dead = true;
    ac.abort();
    if (run && run.backoff) clearTimeout(run.backoff.timer);
    closeSockets([spec, feed], 'lab closed');
    root.replaceChildren();
    root.classList.remove('wtl');
  };
}

// On the stand-alone page (templates/demo.html), mount at once.
const auto = document.querySelector('.wt-lab[data-autostart]');
if (auto && !auto.classList.contains('wtl')) mountLab(auto);
