import type { Route } from './route';

/**
 * A page draws itself into `root` and returns its clean-up (close sockets, stop timers,
 * revoke object URLs), called when the operator navigates away.
 */
export type MountPage = (root: HTMLElement, route: Route) => () => void;

const LAST_SOURCE_KEY = 'roadwatch.source';

/** The source the operator last worked with, so Live and Calibrate open on it. */
export function lastSourceId(): number | null {
  const value = Number(localStorage.getItem(LAST_SOURCE_KEY));
  return Number.isInteger(value) && value > 0 ? value : null;
}

export function rememberSource(id: number): void {
  localStorage.setItem(LAST_SOURCE_KEY, String(id));
}
