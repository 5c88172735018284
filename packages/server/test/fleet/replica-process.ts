import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every replica started by this file, so that a failing test still ends them all (afterAll and process exit). */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export interface Replica {
  name: string;
  port: number;
  /** everything the process printed (shown when a test fails) */
  output(): string;
  /** a crash: no graceful shutdown, in-flight requests and webhook work lost */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A port free now (the replica binds it a moment later: its PUBLIC_URL is the proxy's, so it must be known). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * One hubgate service process as production runs it (`npm start`: `hubgate serve` from the build), with only the environment
 * given here (nothing inherited but PATH and HOME), ready once its `/readyz` answers 200.
 */
export async function startReplica(name: string, port: number, env: Record<string, string>): Promise<Replica> {
  // `npm start`'s command: the build (made by `npm ci`'s prepare step), as production runs it.
  const child = spawn(process.execPath, ['packages/server/bin/hubgate.mjs', 'serve'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => started.delete(child));

  const replica: Replica = {
    name,
    port,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    },
  };

  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`replica ${name} exited before it was ready:\n${output}`);
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (answer.status === 200) return replica;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await replica.kill();
  throw new Error(`replica ${name} was not ready within 90 s:\n${output}`);
}
