import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface ReceivedEvent {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The product's event endpoint, as a real HTTP server: it records what it is sent and answers as `answer` says
 * (200 by default; a status, or `hang` to never answer).
 */
export async function startEndpoint() {
  const received: ReceivedEvent[] = [];
  const accepted: ReceivedEvent[] = [];
  const state: { answer: number | 'hang' } = { answer: 200 };
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const event = { headers: req.headers, body };
      received.push(event);
      if (state.answer === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      if (state.answer >= 200 && state.answer < 300) accepted.push(event);
      res.writeHead(state.answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    host: `127.0.0.1:${port}`,
    received,
    accepted,
    state,
    close: async () => {
      for (const release of hanging) release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Commits a file in a fresh clone of `remoteUrl` and pushes it with `token`, by real git; the new head's sha. */
export async function pushCommits(remoteUrl: string, token: string, messages: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hubgate-events-'));
  const env = {
    PATH: process.env.PATH!,
    HOME: dir,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    PUSH_TOKEN: token,
    GIT_AUTHOR_NAME: 'Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.com',
    GIT_COMMITTER_NAME: 'Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.com',
  };
  const git = (args: string[]) =>
    exec('git', ['-c', 'credential.helper=', '-c', 'credential.helper=!f() { echo username=x-access-token; echo "password=$PUSH_TOKEN"; }; f', ...args], {
      cwd: join(dir, 'r'),
      env,
    });
  try {
    await exec('git', ['-c', 'credential.helper=!f() { echo username=x-access-token; echo "password=$PUSH_TOKEN"; }; f', 'clone', '--quiet', remoteUrl, join(dir, 'r')], { env });
    const heads: string[] = [];
    for (const [i, message] of messages.entries()) {
      await writeFile(join(dir, 'r', `TKT-${i + 1}.md`), `${message}\n`);
      await git(['add', '.']);
      await git(['commit', '--quiet', '-m', message]);
      // One push per commit: one push event each.
      await git(['push', '--quiet', 'origin', 'HEAD']);
      heads.push((await git(['rev-parse', 'HEAD'])).stdout.trim());
    }
    return heads;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until `done()` holds, or fails naming `what` after `ms`. */
export async function eventually(what: string, done: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
