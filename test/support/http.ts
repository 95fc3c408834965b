/** A small HTTP client over fetch for tests: JSON or form bodies, the session where asked. */

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  /** Sent as the X-Session header. */
  session?: string;
  /** Send the body form-encoded instead of JSON. */
  form?: boolean;
  headers?: Record<string, string>;
  /** A raw body, sent as is. */
  raw?: string | Buffer;
}

export function client(baseUrl: string) {
  async function request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.session) headers['x-session'] = options.session;
    let payload: string | Buffer | undefined;
    if (options.raw !== undefined) {
      payload = options.raw;
    } else if (body !== undefined) {
      if (options.form) {
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(body as Record<string, string>).toString();
      } else {
        headers['content-type'] ??= 'application/json';
        payload = JSON.stringify(body);
      }
    }
    const response = await fetch(baseUrl + path, { method, headers, body: payload as RequestInit["body"] });
    const text = await response.text();
    let parsed: any = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: response.status, body: parsed, text, headers: response.headers };
  }

  /** Query parameters from an object; undefined values are left out, arrays repeat the key. */
  function query(params: Record<string, unknown> = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
    }
    const s = search.toString();
    return s ? `?${s}` : '';
  }

  return {
    request,
    get: <T = any>(path: string, params?: Record<string, unknown>, options?: RequestOptions) =>
      request<T>('GET', path + query(params), undefined, options),
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body ?? {}, options),
    delete: <T = any>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options),
  };
}

export type Client = ReturnType<typeof client>;
