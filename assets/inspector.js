// The live frame inspector: the real WebSocket frames between this browser
// and the server, decoded field by field. The server's protocol observer
// sees every frame of a "specimen" socket and sends teaching records (see
// demo/record.go) over a second socket, the feed, whose own frames are never
// inspected. This module is the controller: the sockets, the state and the
// events; inspector-view.js draws the records.
//
//   const unmount = mount(element)   // unmount() closes both sockets

const v = new URL(import.meta.url).search; // our ?v=, for the modules we share
const [view, { wsURL }, { stylesheet }] =
  await Promise.all(['inspector-view', 'socket', 'deck'].map((m) => import(`./${m}.js${v}`)));

const MAX_ITEMS = 300;
const size = (n) => (n % 1048576 ? `${Math.round(n / 1024)} KiB` : `${n / 1048576} MiB`);

// filler returns n bytes of ASCII text; 5 bytes is RFC 6455's "Hello".
function filler(n) {
  if (n === 5) return 'Hello';
  const s = 'frame by frame, bit by bit. ';
  return s.repeat(Math.ceil(n / s.length)).slice(0, n);
}

export function mount(root) {
  stylesheet('inspector.css');
  const ac = new AbortController();
  const on = (t, ev, fn) => t.addEventListener(ev, fn, { signal: ac.signal });
  const ui = view.layout(), { status, list, detail } = ui;
  let feed = null, spec = null, id = '', limits = null, dead = false;
  let records = [], selected = null, pinned = false, fragments = false, deflate = false, pings = 0, step = -1;
  root.classList.add('wti');
  root.replaceChildren(ui.wrap);
  render();

  // --- sockets ---
  function say(text, warn) {
    status.textContent = text;
    status.classList.toggle('wti-warn', !!warn);
  }
  function connect() {
    ui.reconnect.hidden = true;
    say('Connecting…');
    // A new feed numbers its records from 1 again: start afresh.
    records = [];
    selected = null;
    list.replaceChildren();
    render();
    feed = new WebSocket(wsURL('/demo/feed'));
    feed.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'feed') {
        id = m.id;
        limits = m;
        openSpecimen();
      } else add(m);
    };
    feed.onclose = (e) => {
      if (dead) return;
      say(`The inspector feed closed (${e.code}). Reconnect to go on.`, true);
      if (spec) {
        spec.onclose = null;
        spec.close();
      }
      ui.reconnect.hidden = false;
    };
    if (fragments) feed.onopen = () => command({ type: 'fragments', on: true });
  }
  function openSpecimen() {
    ui.reconnect.hidden = true;
    // The browser always offers permessage-deflate; the server accepts
    // only with deflate=1, so the switch decides.
    const s = spec = new WebSocket(wsURL(`/demo/specimen?feed=${encodeURIComponent(id)}${deflate ? '&deflate=1' : ''}`));
    s.binaryType = 'arraybuffer';
    s.onopen = () => say(`Connected. Limits: ${size(limits.maxMessage)} a message, ${limits.rate} messages a second.`);
    s.onmessage = (e) => { ui.echo.textContent = view.received(e.data); };
    s.onclose = (e) => {
      if (dead || s !== spec) return;
      say(`The specimen socket closed: ${e.code}${e.reason ? ` "${e.reason}"` : ''}${e.wasClean ? '' : ' (not clean)'}.`, e.code !== 1000);
      ui.reconnect.hidden = false;
    };
  }
  function command(c) {
    if (feed && feed.readyState === 1) feed.send(JSON.stringify(c));
  }
  function send(data) {
    if (!spec || spec.readyState !== 1) return say('The specimen socket is not open: reconnect first.', true);
    pinned = false;
    spec.send(data);
  }

  // --- controls ---
  const acts = {
    text: () => send(ui.msg.value),
    binary: () => send(new TextEncoder().encode(ui.msg.value)),
    size: (b) => send(filler(+b.dataset.size)),
    ping: () => {
      pinned = false;
      command({ type: 'ping', payload: `ping ${++pings}` });
    },
    frag: () => {
      fragments = !fragments;
      ui.fragBtn.setAttribute('aria-pressed', fragments);
      command({ type: 'fragments', on: fragments });
    },
    deflate: () => {
      // A new specimen, compressed or not, replaces the open one (the
      // server closes that with 1000), so the two can be compared.
      deflate = !deflate;
      ui.deflateBtn.setAttribute('aria-pressed', deflate);
      pinned = false;
      if (feed && feed.readyState === 1) openSpecimen();
    },
    'close-browser': () => {
      if (!spec || spec.readyState !== 1) return say('The specimen socket is not open.', true);
      pinned = false;
      try {
        spec.close(+ui.code.value, ui.reason.value);
      } catch (err) {
        // Name the real cause: a reason over 123 bytes of UTF-8 (not
        // characters) is a SyntaxError; a code a page may not send is an
        // InvalidAccessError.
        const bytes = new TextEncoder().encode(ui.reason.value).length;
        say(err.name === 'SyntaxError'
          ? `The browser refused: the reason is ${bytes} bytes of UTF-8 (${ui.reason.value.length} characters), and a close reason may have at most 123 bytes (125 for a control frame, minus the 2-byte code) (${err.name}).`
          : `The browser refused: ${err.message} (a page may only send 1000 or 3000-4999).`, true);
      }
    },
    'close-server': () => {
      pinned = false;
      command({ type: 'close', code: +ui.code.value, reason: ui.reason.value });
    },
    reconnect: () => (feed && feed.readyState === 1 ? openSpecimen() : connect()),
    step: () => stepTo(step < 0 ? 0 : -1, 'step'),
    prev: () => stepTo(step - 1, 'prev'),
    next: () => stepTo(step + 1, 'next'),
  };
  on(ui.wrap, 'click', (e) => {
    const b = e.target.closest('button');
    if (b?.dataset.seq) select(records.find((r) => r.seq === +b.dataset.seq), true);
    else if (b) acts[b.dataset.act]?.(b);
  });
  on(ui.msg, 'keydown', (e) => {
    if (e.key === 'Enter') send(ui.msg.value);
  });
  on(root, 'keydown', (e) => {
    if (e.target.closest('input, textarea, select')) return e.stopPropagation(); // typing never moves slides
    if (step < 0) return;
    const d = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (d) stepTo(step + d, document.activeElement?.dataset.act);
    else if (e.key === 'Escape') stepTo(-1, 'step');
    else return;
    e.preventDefault();
    e.stopPropagation();
  });

  // --- records ---
  function add(r) {
    if (r.type === 'notice') {
      prepend(view.notice(r));
      if (r.notice.level === 'warn') say(r.notice.text, true);
      return;
    }
    records.push(r);
    if (records.length > MAX_ITEMS) records.shift();
    prepend(view.h('li', {}, view.item(r)));
    if (!selected || (!pinned && step < 0 && (!r.frame || r.frame.dir === 'in'))) select(r, false);
  }
  function prepend(li) {
    list.prepend(li);
    while (list.children.length > MAX_ITEMS) list.lastChild.remove();
  }
  function select(r, byUser) {
    if (!r) return;
    if (byUser) pinned = true;
    selected = r;
    step = -1;
    for (const b of list.querySelectorAll('[aria-current]')) b.removeAttribute('aria-current');
    list.querySelector(`[data-seq="${r.seq}"]`)?.setAttribute('aria-current', 'true');
    render();
    // On a phone the detail is above the list: bring it into view.
    if (byUser && detail.getBoundingClientRect().top < 0) detail.scrollIntoView();
  }
  function render() {
    detail.replaceChildren(...(selected ? view.detail(selected, step) : view.empty()));
    highlight();
  }

  // --- stepping through a frame ---
  // stepTo shows step i (-1: none), keeping the focus on the button that
  // had it (or the step button, if that one is now disabled).
  function stepTo(i, act) {
    const f = selected?.frame;
    if (!f || (i >= 0 && step < 0 && act !== 'step')) return;
    step = i < 0 ? -1 : Math.max(0, Math.min(view.steps(f).length - 1, i));
    detail.querySelector('.wti-step').replaceWith(view.stepBar(f, step));
    const b = detail.querySelector(`.wti-step [data-act="${act}"]`);
    (b && !b.disabled ? b : detail.querySelector('.wti-step [data-act=step]')).focus();
    highlight();
  }
  function highlight() {
    for (const e of detail.querySelectorAll('.wti-hl')) e.classList.remove('wti-hl');
    detail.classList.toggle('wti-stepping', step >= 0);
    if (step < 0) return;
    const hl = detail.querySelectorAll(`[data-f="${view.steps(selected.frame)[step].f}"]`);
    for (const e of hl) e.classList.add('wti-hl');
    hl[hl.length - 1]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  connect();
  // On a slide, the lab (lab.js) comes with the inspector, closed until
  // opened; the stand-alone page has a lab of its own.
  let lab = null, labOff = null;
  if (!root.hasAttribute('data-autostart')) {
    lab = document.createElement('div');
    lab.className = 'wt-lab';
    root.after(lab);
    import('./lab.js' + new URL(import.meta.url).search).then((m) => {
      if (!dead) labOff = m.mountLab(lab);
    }, (err) => console.warn('lab:', err));
  }

  return function unmount() {
    dead = true;
    ac.abort();
    view.closeSockets([spec, feed], 'inspector closed');
    root.replaceChildren();
    root.classList.remove('wti');
    labOff?.();
    lab?.remove();
  };
}

// On the stand-alone page (templates/demo.html), mount at once.
const auto = document.querySelector('.wt-inspector[data-autostart]');
if (auto && !auto.classList.contains('wti')) mount(auto);
