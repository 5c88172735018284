import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/github-sim.mjs', import.meta.url));

/** Starts the CLI with `args` and waits until its output holds `until`; the caller kills it. */
async function startCli(args: string[], until: string) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes(until)) resolve(text);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
    setTimeout(() => reject(new Error(`no banner: ${text}`)), 15_000);
  }).catch((error: Error) => {
    child.kill('SIGTERM');
    throw error;
  });
  return { child, output };
}

it('starts standalone with a demo seed and prints how to use it', async () => {
  const { child, output } = await startCli(['--port', '0'], 'controls:');
  try {
    expect(output).toContain('demo app:     Tisket');
    const apiUrl = /REST API:\s+(\S+)/.exec(output)![1]!;
    const answer = await fetch(`${apiUrl}/app`);
    expect(answer.status).toBe(401);
    const web = /web and git:\s+(\S+)/.exec(output)![1]!;
    const state = (await (await fetch(`${web}/_sim/state`)).json()) as { orgs: { login: string }[] };
    expect(state.orgs.map((o) => o.login)).toEqual(['tisket-com', 'acme-corp']);
  } finally {
    child.kill('SIGTERM');
  }
});

it('refuses a bad port with a message that names it', async () => {
  const child = spawn(process.execPath, [bin, '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect(code).toBe(2);
  expect(err).toContain('--port must be a port number, got "eighty"');
});

it('acts as a GHES without rate limiting with --no-rate-limits', async () => {
  const { child, output } = await startCli(['--port', '0', '--no-rate-limits', '--print-key'], 'END RSA PRIVATE KEY');
  try {
    const apiUrl = /REST API:\s+(\S+)/.exec(output)![1]!;
    const answer = await fetch(`${apiUrl}/rate_limit`, { headers: { authorization: 'Bearer ghs_unknown' } });
    // Failed authentication on a GHES without rate limiting carries no rate-limit headers.
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
  } finally {
    child.kill('SIGTERM');
  }
});

it('prints the demo credentials only when asked (--print-credentials), and they work', async () => {
  const quiet = await startCli(['--port', '0'], 'pass --print-credentials');
  quiet.child.kill('SIGTERM');
  expect(quiet.output).not.toMatch(/gh[pu]_|BEGIN RSA PRIVATE KEY|client secret/);

  const { child, output } = await startCli(['--port', '0', '--print-credentials', '--webhook-secret', 'shh'], 'END RSA PRIVATE KEY');
  try {
    expect(output).toContain('webhook secret:  shh');
    const apiUrl = /REST API:\s+(\S+)/.exec(output)![1]!;
    const userToken = /ada {2}classic token: \S+ {3}user token for tisket: (ghu_\S+)/.exec(output)![1]!;
    const pat = /bob {2}classic token: (ghp_\S+)/.exec(output)![1]!;
    const asAda = await fetch(`${apiUrl}/user`, { headers: { authorization: `Bearer ${userToken}` } });
    expect(((await asAda.json()) as { login: string }).login).toBe('ada');
    const asBob = await fetch(`${apiUrl}/user`, { headers: { authorization: `token ${pat}` } });
    expect(((await asBob.json()) as { login: string }).login).toBe('bob');
    expect(/client secret:\s+\S+/.test(output)).toBe(true);
  } finally {
    child.kill('SIGTERM');
  }
});

it('refuses --tls-key without --tls-cert, naming both', async () => {
  const child = spawn(process.execPath, [bin, '--port', '0', '--tls-key', '/nonexistent.pem'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect(code).toBe(2);
  expect(err).toContain('--tls-key and --tls-cert go together');
});
