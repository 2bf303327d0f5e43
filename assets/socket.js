// socket.js: a WebSocket that keeps itself connected. See README.md.

export const wsURL = path => (location.protocol == 'https:' ? 'wss://' : 'ws://') + location.host + path;

export function connect(path, onMessage, onStatus) {
  const url = wsURL(path);
  let ws, tries = 0, timer, hiddenAt = 0, status;
  const set = s => s !== status && onStatus(status = s);
  const open = () => {
    clearTimeout(timer);
    ws?.close(); // its onclose sees it is stale
    const s = ws = new WebSocket(url);
    const slow = setTimeout(() => s.readyState || s.close(), 1e4); // stuck connecting
    s.onopen = () => set('live');
    s.onmessage = e => {
      tries = 0; // the server talks: not a flapping connection
      try { var m = JSON.parse(e.data); } catch { return; }
      if (typeof m?.type === 'string') onMessage(m);
    };
    s.onclose = () => {
      clearTimeout(slow);
      if (ws !== s) return;
      ws = null;
      const max = Math.min(1e4, 500 * 2 ** tries++);
      set(navigator.onLine && tries < 5 ? 'reconnecting' : 'offline');
      timer = setTimeout(open, max / 2 + Math.random() * max / 2);
    };
  };
  const now = () => { tries = 0; if (!ws) open(); };
  addEventListener('online', now);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) hiddenAt = Date.now();
    // A phone that slept may hold a dead socket: reopen, resyncing is cheap.
    else if (ws?.readyState === 1 && Date.now() - hiddenAt > 3e4) open();
    else now();
  });
  set('connecting');
  open();
  return { send: m => ws?.readyState === 1 && (ws.send(JSON.stringify(m)), true) };
}

// sync applies the newest state message, loading the deck first when its version changed.
export function sync(load, onDeck, onState, eager) {
  let version, want, busy;
  const run = async () => {
    if (busy) return;
    busy = true;
    while (eager && !version || want) {
      const m = want;
      want = null;
      if (!version || m && m.deck !== version) {
        try {
          const d = await load();
          onDeck(d);
          version = d.version;
        } catch (e) {
          console.warn('deck:', e);
          want ??= m;
          await new Promise(r => setTimeout(r, 2000));
          continue;
        }
      }
      onState(m);
    }
    busy = false;
  };
  if (eager) run();
  return m => { want = m; run(); };
}

export function showStatus(el, status) {
  el.dataset.state = status;
  el.querySelector('.wt-word').textContent = status;
}
