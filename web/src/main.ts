// The dashboard shell: header, navigation, token dialog and the hash router.
import { setToken, token } from './api';
import { h, replace } from './dom';
import { lastSourceId, type MountPage } from './page';
import { mountCalibrate } from './pages/calibrate';
import { mountHistory } from './pages/history';
import { mountLive } from './pages/live';
import { mountSources } from './pages/sources';
import { parseRoute, routeHash, type PageName } from './route';

const PAGES: Record<PageName, { title: string; mount: MountPage }> = {
  sources: { title: 'Sources', mount: mountSources },
  live: { title: 'Live', mount: mountLive },
  calibrate: { title: 'Calibration & zones', mount: mountCalibrate },
  history: { title: 'History', mount: mountHistory },
};

const main = h('main', { id: 'main', tabIndex: -1 });
const nav = h('nav', { 'aria-label': 'Pages' });
let unmount: (() => void) | null = null;

function tokenDialog(): HTMLDialogElement {
  const input = h('input', { type: 'password', autocomplete: 'off', value: token(), testid: 'token-input' });
  const dialog = h(
    'dialog',
    { class: 'token-dialog' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', {}, 'Access token'),
      h('p', {}, 'Needed when the server is reached over the network (not on loopback). Kept in this browser only.'),
      h('label', {}, 'Token ', input),
      h(
        'div',
        { class: 'row' },
        h('button', { value: 'cancel', type: 'submit' }, 'Cancel'),
        h('button', { value: 'save', class: 'primary', type: 'submit' }, 'Save'),
      ),
    ),
  );
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save') {
      setToken(input.value.trim());
      render();
    }
  });
  return dialog;
}

function renderNav(current: PageName): void {
  const last = lastSourceId();
  replace(
    nav,
    (Object.keys(PAGES) as PageName[]).map((page) =>
      h(
        'a',
        {
          href: routeHash(page, page === 'live' || page === 'calibrate' ? last : null),
          testid: `nav-${page}`,
          'aria-current': page === current ? 'page' : undefined,
        },
        PAGES[page].title,
      ),
    ),
  );
}

function render(): void {
  const route = parseRoute(location.hash);
  unmount?.();
  unmount = null;
  renderNav(route.page);
  document.title = `${PAGES[route.page].title} · roadwatch`;
  main.replaceChildren();
  unmount = PAGES[route.page].mount(main, route);
}

const dialog = tokenDialog();
document.body.append(
  h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'),
  h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/sources' }, 'roadwatch'),
    nav,
    h('button', { class: 'ghost', type: 'button', testid: 'token-button', onclick: () => dialog.showModal() }, 'Token'),
  ),
  main,
  dialog,
);
window.addEventListener('hashchange', render);
render();
