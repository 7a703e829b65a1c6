// Hash routes: #/sources, #/live/3, #/calibrate/3, #/history?source=3&window=5min.
export type PageName = 'sources' | 'live' | 'calibrate' | 'history';

export interface Route {
  page: PageName;
  sourceId: number | null;
  query: URLSearchParams;
}

const PAGES: readonly PageName[] = ['sources', 'live', 'calibrate', 'history'];

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = text.split('?', 2);
  const [name = '', id = ''] = path.split('/');
  const page = (PAGES as readonly string[]).includes(name) ? (name as PageName) : 'sources';
  const sourceId = /^[1-9][0-9]*$/.test(id) ? Number(id) : null;
  return { page, sourceId, query: new URLSearchParams(search) };
}

export function routeHash(page: PageName, sourceId?: number | null, query?: Record<string, string>): string {
  const search = query ? new URLSearchParams(query).toString() : '';
  return `#/${page}${sourceId ? `/${sourceId}` : ''}${search ? `?${search}` : ''}`;
}
