// overview.js: a grid of all slides, drawn from their own HTML. See README.md.

// overview fills box with one button per slide; items are
// { section, label, index } (a .wt-slide to copy, the number shown, the
// step to go to). pick(index) is called on a tap. Returns the buttons.
export function overview(box, items, pick) {
  const grid = document.createElement('ol');
  grid.className = 'wt-grid';
  for (const it of items) {
    const copy = it.section.cloneNode(true);
    copy.removeAttribute('id');
    for (const e of copy.querySelectorAll('[id]')) e.removeAttribute('id');
    for (const e of copy.querySelectorAll('.wt-inspector')) { e.replaceChildren(); e.className = 'wt-inspector'; }
    copy.hidden = false;
    copy.style.fontSize = '';
    copy.classList.remove('wt-overflow');
    const frame = document.createElement('div');
    frame.className = 'wt-frame';
    frame.inert = true;
    frame.append(copy);
    frame.setAttribute('aria-hidden', 'true'); // a picture of the slide; the button says which
    const title = copy.querySelector('h1, h2, h3')?.textContent.trim();
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'wt-thumb';
    b.dataset.index = it.index;
    const text = (cls, t) => Object.assign(document.createElement('span'), { className: cls, textContent: t });
    b.append(frame, text('wt-sr', 'Slide '), text('wt-thumb-n', it.label), text('wt-sr', title ? ': ' + title : ''));
    const li = document.createElement('li');
    li.append(b);
    grid.append(li);
  }
  grid.addEventListener('click', e => {
    const b = e.target.closest('.wt-thumb');
    if (b) pick(+b.dataset.index);
  });
  box.replaceChildren(grid);
  return [...grid.querySelectorAll('.wt-thumb')];
}

// onKey calls open on the key o, where nav.js's keys would act (not while
// typing, nor with Ctrl, Alt or Meta). nav.js does not map it: its bytes
// count against the live audience's budget, and the live audience has no
// overview.
export function onKey(open) {
  addEventListener('keydown', e => {
    if (e.key !== 'o' || e.ctrlKey || e.altKey || e.metaKey || e.target.closest('input, textarea, select, [contenteditable]')) return;
    e.preventDefault();
    open();
  });
}

// showDeck opens an overview of a live page's deck (the JSON of
// /api/deck): the last step of every slide, drawn with render (deck.js)
// into a dialog made on first use, which links overview.css itself; a tap
// calls pick(index of the slide's first step) and closes it. `o` or
// Escape closes it too.
export function showDeck(deck, index, render, pick) {
  let d = document.getElementById('wt-overview');
  if (!d) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = new URL('overview.css' + new URL(import.meta.url).search, import.meta.url);
    document.head.append(css);
    d = document.createElement('dialog');
    d.id = 'wt-overview';
    d.className = 'wt-overview';
    d.setAttribute('aria-label', 'All slides');
    const head = document.createElement('header'), h = document.createElement('h2'), close = document.createElement('button');
    h.textContent = 'All slides';
    close.type = 'button';
    close.textContent = 'Close';
    close.onclick = () => d.close();
    head.append(h, close);
    d.append(head, document.createElement('div'));
    d.addEventListener('keydown', e => { if (e.key === 'o') { e.preventDefault(); e.stopPropagation(); d.close(); } });
    document.body.append(d);
  }
  if (d.dataset.version !== deck.version) {
    const items = [];
    deck.slides.forEach((s, i) => {
      const next = deck.slides[i + 1];
      if (next && next.stepOf === s.stepOf) return; // not the slide's last step
      items.push({ section: render(document.createElement('div'), s), label: String(s.number), index: s.stepOf ?? i });
    });
    overview(d.lastElementChild, items, i => { d.close(); pick(i); });
    d.dataset.version = deck.version;
  }
  d.showModal();
  const first = deck.slides[index]?.stepOf ?? index;
  const b = d.querySelector(`.wt-thumb[data-index="${first}"]`) || d.querySelector('.wt-thumb');
  b?.focus();
  b?.scrollIntoView({ block: 'nearest' });
}
