// nav.js: keys, clickers and swipes as actions. See README.md.

const KEYS = {
  ArrowRight: 'next', ArrowDown: 'next', PageDown: 'next', ' ': 'next',
  ArrowLeft: 'prev', ArrowUp: 'prev', PageUp: 'prev',
  Home: 'first', End: 'last', b: 'blackout', '.': 'blackout', g: 'goto',
};

export function keys(act) {
  addEventListener('keydown', e => {
    const t = e.target, k = e.key;
    if (e.ctrlKey || e.altKey || e.metaKey || t.closest('input, textarea, select, [contenteditable]') ||
      (k === ' ' || k === 'Enter') && t.closest('.wt-slide :is(button, a, summary)')) return;
    const a = k === ' ' && e.shiftKey ? 'prev' : KEYS[k];
    if (a && act(a) !== false) e.preventDefault();
  });
}

export function swipe(el, act) {
  let x, y, armed;
  const on = (type, f) => el.addEventListener(type, f, { passive: true });
  on('touchstart', e => {
    armed = e.touches.length === 1 && !scroller(e.target, el);
    ({ clientX: x, clientY: y } = e.touches[0]);
  });
  on('touchcancel', () => { armed = false; });
  on('touchend', e => {
    const { clientX, clientY } = e.changedTouches[0], dx = clientX - x;
    if (armed && Math.abs(dx) >= 50 && Math.abs(dx) > 2 * Math.abs(clientY - y)) act(dx < 0 ? 'next' : 'prev');
    armed = false;
  });
}

function scroller(n, root) {
  for (; n && n !== root; n = n.parentElement) {
    if (n.scrollWidth > n.clientWidth + 1 && /auto|scroll/.test(getComputedStyle(n).overflowX)) return true;
  }
}
