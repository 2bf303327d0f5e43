// study.js: the audience page in self-study only: the overview of all
// slides (o or ▦). A tap goes there through the page's own #name / #number.
const v = new URL(import.meta.url).search;
const [{ fetchDeck, render }, { showDeck, onKey }] = await Promise.all(['deck', 'overview'].map(m => import(`./${m}.js${v}`)));

async function open() {
  const deck = await fetchDeck('/api/deck');
  const at = +document.querySelector('#frame .wt-slide')?.dataset.index || 0;
  showDeck(deck, at, render, i => {
    const s = deck.slides[i];
    location.hash = '#' + encodeURIComponent(s.name || s.number);
  });
}
onKey(open);
document.getElementById('grid').onclick = open;
