/** One line of `hubgate doctor`: what was checked, and whether it holds. Never holds a secret. */
export interface Finding {
  status: 'ok' | 'warn' | 'fail';
  text: string;
}

export const ok = (text: string): Finding => ({ status: 'ok', text });
export const warn = (text: string): Finding => ({ status: 'warn', text });
export const fail = (text: string): Finding => ({ status: 'fail', text });

/** The message of an error thrown by fetch, with its cause (Node says only "fetch failed" on its own). */
export function reason(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer within 10 s';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

const timeout = () => AbortSignal.timeout(10_000);

/**
 * A GET with a 10 s limit, tried twice when the connection was reset: a pooled keep-alive connection that the
 * other end closed meanwhile fails once without saying anything about the server (every check is a GET).
 */
export async function checkFetch(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: timeout() });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
    return fetch(url, { ...init, signal: timeout() });
  }
}
