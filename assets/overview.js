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
    const title = copy.querySelector('h1, h2, h3')?.textContent.trim();
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'wt-thumb';
    b.dataset.index = it.index;
    b.setAttribute('aria-label', `Slide ${it.label}${title ? ': ' + title : ''}`);
    const n = document.createElement('span');
    n.className = 'wt-thumb-n';
    n.textContent = it.label;
    b.append(frame, n);
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
