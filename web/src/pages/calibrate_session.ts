// The calibration page's session card: the source's session state as a badge, and start/stop
// (the operator checks the zones on the running pipeline without leaving the page).
import { errorMessage, isActiveSession, startSource, stopSource } from '../api';
import { h } from '../dom';
import type { Session, Source } from '../types';

export interface SessionCard {
  element: HTMLElement;
  show(session: Session | null): void;
}

/** `source` gives the loaded source (null before); `report` shows an error, '' clears it. */
export function sessionCard(source: () => Source | null, report: (error: string) => void): SessionCard {
  const badge = h('span', { testid: 'calib-session-state', class: 'badge' }, '…');
  const act = (action: 'start' | 'stop') => async () => {
    const s = source();
    if (!s) return;
    try {
      show((await (action === 'start' ? startSource(s) : stopSource(s))).session);
      report('');
    } catch (err) {
      report(`Could not ${action} the source: ${errorMessage(err)}`);
    }
  };
  const start = h('button', { type: 'button', testid: 'calib-start', disabled: true, onclick: act('start') }, 'Start');
  const stop = h('button', { type: 'button', class: 'danger', testid: 'calib-stop', disabled: true, onclick: act('stop') }, 'Stop');

  function show(session: Session | null): void {
    badge.textContent = session?.state ?? 'idle';
    badge.className = `badge state-${session?.state ?? 'stopped'}`;
    const active = !!session && (isActiveSession(session) || session.desired_state === 'running');
    start.disabled = active;
    stop.disabled = !active;
  }

  const element = h('section', { class: 'card row', 'aria-label': 'Session' }, h('span', {}, 'Session'), badge, h('span', { class: 'spacer' }), start, stop);
  return { element, show };
}
