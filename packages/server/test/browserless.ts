/**
 * A browser without a browser: follows redirects across origins and keeps cookies per origin, so tests can
 * walk the real sign-in and connect flows over HTTP (the service, the OpenID provider and the simulator).
 */
export interface RequestOptions {
  form?: Record<string, string | string[]>;
  json?: unknown;
  headers?: Record<string, string>;
  follow?: boolean;
}

export class Browserless {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly visited: string[] = [];

  /** every cookie value held, for the "no secret in the logs" check */
  cookieValues(): string[] {
    return [...this.jar.values()].flatMap((cookies) => [...cookies.values()]);
  }

  /** a cookie of one host (tests that replay what an attacker saw) */
  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name);
  }

  setCookie(host: string, name: string, value: string) {
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    cookies.set(name, value);
    this.jar.set(host, cookies);
  }

  private cookieHeader(url: URL): string {
    const cookies = this.jar.get(url.host);
    return cookies ? [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  private store(url: URL, response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const cookies = this.jar.get(url.host) ?? new Map();
      const expired = attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
      this.jar.set(url.host, cookies);
    }
  }

  async request(
    method: string,
    target: string,
    options: RequestOptions = {},
  ): Promise<Response & { finalUrl: string }> {
    let url = new URL(target);
    let body: string | undefined;
    const headers: Record<string, string> = { ...options.headers };
    if (options.form) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(options.form)) for (const item of [v].flat()) form.append(k, item);
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    for (let hop = 0; hop < 20; hop++) {
      const cookie = this.cookieHeader(url);
      this.visited.push(`${method} ${url.toString()}`);
      const response = await fetch(url, {
        method,
        body,
        headers: { ...headers, ...(cookie ? { cookie } : {}) },
        redirect: 'manual',
      });
      this.store(url, response);
      const location = response.headers.get('location');
      if (options.follow === false || response.status < 300 || response.status >= 400 || !location) {
        return Object.assign(response, { finalUrl: url.toString() });
      }
      await response.arrayBuffer();
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
    }
    throw new Error('too many redirects');
  }

  get(url: string, options: { follow?: boolean; headers?: Record<string, string> } = {}) {
    return this.request('GET', url, options);
  }

  post(
    url: string,
    options: RequestOptions = {},
  ) {
    return this.request('POST', url, options);
  }
}
