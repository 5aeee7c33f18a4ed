// Help center (/help): suggestions as you type under the search box. Progressive enhancement
// only — the server-rendered pages and the search form work without this script.
// ARIA combobox pattern: the input owns a listbox; ↑/↓ move, Enter opens, Esc closes.
// Server text enters the page only through textContent.

const MIN_CHARS = 2;
const DEBOUNCE_MS = 150;

function enhance(input) {
  const form = input.form;
  const box = input.closest('.help-search-box') || input.parentElement;
  const list = document.createElement('ul');
  list.id = `${input.id || 'help-q'}-listbox`;
  list.className = 'help-suggest';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggested articles');
  list.hidden = true;
  box.appendChild(list);

  const live = document.createElement('p');
  live.className = 'visually-hidden';
  live.setAttribute('role', 'status');
  live.setAttribute('aria-live', 'polite');
  box.appendChild(live);

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  const locale = input.dataset.locale || '';
  let items = [];
  let active = -1;
  let timer = null;
  let seq = 0;
  let ctrl = null;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function setActive(i) {
    const opts = list.querySelectorAll('[role=option]');
    opts.forEach((o, k) => o.setAttribute('aria-selected', k === i ? 'true' : 'false'));
    active = i;
    if (i >= 0 && opts[i]) {
      input.setAttribute('aria-activedescendant', opts[i].id);
      opts[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  // Only our own article pages are followed, whatever the server sent as url.
  function hrefFor(s) {
    const slug = String(s.slug || '');
    if (!/^[a-z0-9-]{1,80}$/.test(slug)) return null;
    return `/help/articles/${slug}${locale && locale !== 'en' ? `?locale=${encodeURIComponent(locale)}` : ''}`;
  }

  function render(suggestions) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items = [];
    for (const s of suggestions) {
      const href = hrefFor(s);
      if (!href) continue;
      const li = document.createElement('li');
      li.id = `${list.id}-${items.length}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.className = 'help-suggest-item';
      li.textContent = String(s.title || s.slug);
      const idx = items.length;
      li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the input
      li.addEventListener('click', () => { location.href = items[idx].href; });
      li.addEventListener('mousemove', () => { if (active !== idx) setActive(idx); });
      list.appendChild(li);
      items.push({ href, title: li.textContent });
    }
    if (items.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      live.textContent = `${items.length} suggestion${items.length === 1 ? '' : 's'}. Use the arrow keys to choose.`;
    } else {
      close();
      live.textContent = '';
    }
    active = -1;
  }

  async function fetchSuggestions(q) {
    const my = ++seq;
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    const qs = new URLSearchParams({ q });
    if (locale) qs.set('locale', locale);
    try {
      const res = await fetch(`/api/v1/kb/suggest?${qs}`, {
        headers: { Accept: 'application/json' }, credentials: 'same-origin', signal: ctrl.signal,
      });
      if (!res.ok || my !== seq) return;
      const json = await res.json();
      if (my !== seq || document.activeElement !== input) return;
      render(Array.isArray(json.suggestions) ? json.suggestions.slice(0, 8) : []);
    } catch {
      /* network error or aborted: the plain search form still works */
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < MIN_CHARS) { seq++; close(); return; }
    timer = setTimeout(() => fetchSuggestions(q), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', (e) => {
    const open = !list.hidden && items.length > 0;
    if (e.key === 'ArrowDown') {
      if (!open) { if (items.length) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); } return; }
      e.preventDefault();
      setActive(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === 'ArrowUp') {
      if (!open) return;
      e.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === 'Enter') {
      if (open && active >= 0) {
        e.preventDefault();
        location.href = items[active].href;
      }
    } else if (e.key === 'Escape') {
      if (open) { e.preventDefault(); close(); }
    }
  });

  input.addEventListener('blur', () => { setTimeout(close, 100); });
  if (form) form.addEventListener('submit', close);
}

for (const input of document.querySelectorAll('input[data-suggest]')) enhance(input);
