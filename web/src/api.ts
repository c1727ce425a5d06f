/**
 * Calls to the ardesk API under /api/v1. Requests carry the session cookie
 * (`credentials: 'same-origin'`), and every write sends the `x-csrf-token`
 * header with the value of the `ardesk_csrf` cookie.
 */

export const apiBase = '/api/v1';

/** An error body from the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** Listeners told when a request comes back 401, so the app can show the sign-in page. */
const unauthenticatedListeners = new Set<() => void>();

export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

function csrfHeaders(method: string): Record<string, string> {
  if (method === 'GET' || method === 'HEAD') return {};
  const token = readCookie('ardesk_csrf');
  return token === null ? {} : { 'x-csrf-token': token };
}

type QueryValue = string | number | boolean | null | undefined;

/** Builds a query string, leaving out empty values. */
export function queryString(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // The body is not JSON; the status text below describes the failure.
  }
  const error = (body as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
  if (response.status === 401) for (const listener of unauthenticatedListeners) listener();
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `request failed: ${response.status} ${response.statusText}`,
    error?.field ?? null,
  );
}

/** Sends a request and parses the JSON response; throws ApiError on a 4xx or 5xx status. */
export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...csrfHeaders(method) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${apiBase}${path}`, {
      method,
      credentials: 'same-origin',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, 'network_error', `the server did not respond: ${(error as Error).message}`);
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);

/**
 * Posts a multipart form with XMLHttpRequest, whose upload events give the
 * progress that fetch does not. `onProgress` receives bytes sent and the
 * total.
 */
export function upload<T>(
  path: string,
  form: FormData,
  onProgress: (loaded: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${apiBase}${path}`);
    for (const [name, value] of Object.entries(csrfHeaders('POST'))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: reported below by status.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T);
        return;
      }
      const error = (body as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
      if (xhr.status === 401) for (const listener of unauthenticatedListeners) listener();
      reject(
        new ApiError(
          xhr.status,
          error?.code ?? `http_${xhr.status}`,
          error?.message ?? `upload failed: ${xhr.status} ${xhr.statusText}`,
          error?.field ?? null,
        ),
      );
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network_error', 'the upload failed: the server did not respond')));
    xhr.send(form);
  });
}
