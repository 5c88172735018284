import { cleanup, render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach } from 'vitest';
import type { SignedInSession } from '@hubgate/contract';
import { HubgateClient } from '../src/api/client.ts';
import { HubgateProvider } from '../src/context.tsx';

afterEach(() => {
  cleanup();
  globalThis.localStorage?.clear();
});

export type Role = 'admin' | 'member';
export const roles: Role[] = ['admin', 'member'];

export function sessionOf(role: Role): SignedInSession {
  return {
    signedIn: true,
    user: role === 'admin' ? { id: 'user_ada', name: 'Ada Admin', email: 'ada@tisket.example' } : { id: 'user_bob', name: 'Bob Member', email: 'bob@tisket.example' },
    organization: { id: 'org_01TISKET', name: 'Tisket Team' },
    organizationId: 'org_01TISKET',
    role: role === 'admin' ? 'admin' : 'member',
    isAdmin: role === 'admin',
    csrfToken: 'csrf',
    productName: 'Tisket',
  };
}

/** `METHOD /path` → the JSON answer (an Error answers 500; a function is asked each time, for answers that change). */
export type Answers = Record<string, unknown>;
export interface Call {
  method: string;
  path: string;
  body: unknown;
}

/**
 * Renders a section as the settings page does, for an admin or a member, with the API answering from the
 * contract's fixtures: the UI's boundary is HTTP, so the client is real and only its `fetch` answers from a table.
 * A route the table lacks answers 404 without a body, as the server's router does.
 */
export function renderSection(element: ReactElement, options: { role: Role; answers: Answers; refreshMs?: number }) {
  const calls: Call[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input), 'http://hubgate.test');
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path: url.pathname, body });
    const key = `${method} ${url.pathname}`;
    if (!(key in options.answers)) return new Response('', { status: 404 });
    let answer = options.answers[key];
    if (typeof answer === 'function') answer = (answer as (body: unknown) => unknown)(body);
    if (answer instanceof Error) return Response.json({ error: { code: 'internal', message: answer.message } }, { status: 500 });
    return Response.json(answer);
  };
  const client = new HubgateClient('', fetchImpl);
  const view = render(
    <HubgateProvider session={sessionOf(options.role)} client={client} refreshMs={options.refreshMs ?? 0}>
      {element}
    </HubgateProvider>,
  );
  return { ...view, calls };
}
