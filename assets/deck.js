// deck.js: fetching the deck and rendering slides. See README.md.

const v = new URL(import.meta.url).search; // our ?v=, for inspector.*

export async function fetchDeck(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

export function render(frame, slide) {
  const s = document.createElement('section');
  s.className = 'wt-slide remark-slide-content ' + (slide.classes || []).join(' ');
  s.dataset.index = slide.index;
  s.style.cssText = slide.style || '';
  s.innerHTML = slide.html; // trusted: rendered from the author's deck
  for (const el of s.querySelectorAll('pre, table')) el.tabIndex = 0;
  frame.replaceChildren(s);
  return s;
}

export function fit(s, min = 0) {
  s.style.fontSize = '';
  s.classList.remove('wt-overflow');
  let px = parseFloat(getComputedStyle(s).fontSize), h, last;
  min = Math.max(min, px / 2);
  for (let i = 0; i < 8 && (h = s.scrollHeight) > s.clientHeight + 1 && px > min; i++) {
    if (i && h >= last) break; // content of a fixed size (an inspector) does not shrink
    last = h;
    px = Math.max(min, px * .98 * Math.sqrt(s.clientHeight / h));
    s.style.fontSize = px + 'px';
  }
  s.tabIndex = s.classList.toggle('wt-overflow', s.scrollHeight > s.clientHeight + 1) - 1;
}

export function inspect(s) {
  const boxes = s.querySelectorAll('.wt-inspector'), offs = [];
  let gone;
  if (!boxes.length) return () => {};
  stylesheet('inspector.css');
  import('./inspector.js' + v).then(m => boxes.forEach(b => gone || offs.push(m.mount(b)))).catch(e => {
    console.warn('inspector:', e);
    for (const b of boxes) {
      b.classList.add('wt-broken');
      b.textContent = 'The frame inspector could not be loaded here. Reload the page to try again.';
    }
  });
  return () => { gone = true; offs.splice(0).forEach(off => off?.()); };
}

export function stylesheet(name) {
  const l = document.createElement('link');
  l.href = new URL(name + v, import.meta.url);
  if ([...document.querySelectorAll('link')].some(m => m.href == l.href)) return;
  l.rel = 'stylesheet';
  l.dataset.wt = '';
  document.head.append(l);
}

export const number = (deck, i) => String(deck.slides[i]?.number ?? i + 1);
export const count = (deck, i) => number(deck, i) + ' / ' + number(deck, deck.slides.length - 1);
