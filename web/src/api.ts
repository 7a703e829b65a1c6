// REST client for roadwatch-server (docs/api.md). Errors carry the server's
// {"error": {"code", "message"}} so pages can show what went wrong and why.
import type { Calibration, CountingLine, LiveUpdate, Point, Session, Source, TimeSeries, Violation } from './types';

const TOKEN_KEY = 'roadwatch.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The bearer token (needed when the server is not on loopback); kept in localStorage. */
export function token(): string {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value: string): void {
  if (value) localStorage.setItem(TOKEN_KEY, value);
  else localStorage.removeItem(TOKEN_KEY);
}

function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

/**
 * Fetches an image or file the API serves (frames, snapshots, CSV) as an object URL: with auth
 * on, the browser's own <img src> or download would carry no token. Revoke it when done.
 */
export async function fetchObjectUrl(path: string): Promise<string> {
  let resp: Response;
  try {
    resp = await fetch(path, { headers: authHeaders() });
  } catch (err) {
    throw new ApiError(0, 'network', `cannot reach the server (${(err as Error).message})`);
  }
  if (!resp.ok) throw await errorOf(resp);
  return URL.createObjectURL(await resp.blob());
}

/** The WebSocket URL of the live stream, with the token when there is one. */
export function streamUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const t = token();
  return `${scheme}://${location.host}/ws/client/stream${t ? `?token=${encodeURIComponent(t)}` : ''}`;
}

/** The text to show for a failure: the server's message for an ApiError, else the error's. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether a session is (or is about to be) running a pipeline. */
export function isActiveSession(session: Session | null | undefined): boolean {
  return !!session && (session.state === 'starting' || session.state === 'running' || session.state === 'reconnecting');
}

async function errorOf(resp: Response): Promise<ApiError> {
  let code = `http_${resp.status}`;
  let message = `${resp.status} ${resp.statusText}`;
  try {
    const body = (await resp.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(resp.status, code, message);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = authHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp: Response;
  try {
    resp = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'network', `cannot reach the server (${(err as Error).message})`);
  }
  if (!resp.ok) throw await errorOf(resp);
  if (resp.status === 204) return undefined as T;
  return (await resp.json()) as T;
}

const collection = (kind: Source['kind']) => (kind === 'camera' ? 'cameras' : 'videos');

export async function listSources(): Promise<Source[]> {
  const [videos, cameras] = await Promise.all([
    request<{ videos: Source[] }>('GET', '/api/videos'),
    request<{ cameras: Source[] }>('GET', '/api/cameras'),
  ]);
  return [...videos.videos, ...cameras.cameras].sort((a, b) => a.id - b.id);
}

/** A source by id, whatever its kind (videos and cameras share one id space). */
export async function getSource(id: number): Promise<Source> {
  try {
    return await request<Source>('GET', `/api/videos/${id}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return request<Source>('GET', `/api/cameras/${id}`);
    throw err;
  }
}

export interface SourceSettings {
  name?: string;
  roi?: Point[] | null;
  lines?: CountingLine[] | null;
  calibration?: Calibration | null;
  speed_limit?: number | null;
  uri?: string;
}

export function patchSource(source: Source, settings: SourceSettings): Promise<Source & { live_update?: LiveUpdate }> {
  return request('PATCH', `/api/${collection(source.kind)}/${source.id}`, settings);
}

export function deleteSource(source: Source): Promise<void> {
  return request('DELETE', `/api/${collection(source.kind)}/${source.id}`);
}

export function startSource(source: Source): Promise<{ session: Session }> {
  return request('POST', `/api/${collection(source.kind)}/${source.id}/stream/start`);
}

export function stopSource(source: Source): Promise<{ session: Session }> {
  return request('POST', `/api/${collection(source.kind)}/${source.id}/stream/stop`);
}

/** The path of a source's first frame (JPEG), for drawing the ROI and calibrating. */
export function framePath(source: Source): string {
  return `/api/${collection(source.kind)}/${source.id}/frame`;
}

export function registerCamera(settings: { name: string; uri: string; speed_limit?: number }): Promise<Source> {
  return request('POST', '/api/cameras', settings);
}

export function listViolations(query: Record<string, string | number>): Promise<{
  items: Violation[];
  total: number;
  limit: number;
  offset: number;
}> {
  return request('GET', `/api/violations?${queryString(query)}`);
}

export function timeSeries(query: Record<string, string | number>): Promise<TimeSeries> {
  return request('GET', `/api/analytics/timeseries?${queryString(query)}`);
}

export function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  return params.toString();
}

/**
 * Uploads a video with progress (fetch cannot report upload progress; XMLHttpRequest can).
 * `onProgress` gets the fraction sent, 0..1. Resolves with the new source.
 */
export function uploadVideo(
  file: File,
  fields: Record<string, string>,
  onProgress: (fraction: number) => void,
): { done: Promise<Source>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Source>((resolve, reject) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) if (value) form.append(key, value);
    form.append('video', file, file.name);
    xhr.open('POST', '/api/videos/upload');
    const t = token();
    if (t) xhr.setRequestHeader('Authorization', `Bearer ${t}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // fall through to the status line
      }
      if (xhr.status === 201) {
        onProgress(1);
        resolve(body as Source);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
      reject(new ApiError(xhr.status, error?.code ?? `http_${xhr.status}`, error?.message ?? xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload was interrupted (network error)'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'upload cancelled'));
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
