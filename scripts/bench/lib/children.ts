import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Every process the bench started: none may outlive it, whichever way it ends. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Spawns a process and resolves with its wall time from spawn to exit (ms) and what it printed. */
export function timeProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { input?: string; timeoutMs?: number } = {},
): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = track(spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stdout, stderr });
    });
    child.stdin!.end(options.input ?? '');
  });
}

/** A TypeScript worker of the bench in its own process (separate processes, as separate servers are). */
export function spawnWorker(file: string, config: unknown, extraArgs: string[] = []): ChildProcess {
  return track(spawn(
    process.execPath,
    [...extraArgs, '--conditions=@hubgate/source', '--import', 'tsx', fileURLToPath(new URL(`../workers/${file}`, import.meta.url))],
    {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  ));
}

/** Reads newline-delimited JSON messages from a child's stdout. */
export function messages(child: ChildProcess) {
  const queue: unknown[] = [];
  const waiters: ((value: unknown) => void)[] = [];
  let buffer = '';
  let exited = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const message = JSON.parse(line);
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    }
  });
  // 'close', not 'exit': the last lines may still be in the pipe when the process has exited.
  child.on('close', (code, signal) => {
    if (process.env.BENCH_DEBUG) console.error('worker closed', code, signal, buffer.length, queue.length);
    exited = true;
    for (const waiter of waiters.splice(0)) waiter({ exited: true });
  });
  return {
    next<T>(timeoutMs = 300_000): Promise<T> {
      if (queue.length) return Promise.resolve(queue.shift() as T);
      if (exited) return Promise.reject(new Error('worker exited'));
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('worker did not answer in time')), timeoutMs);
        waiters.push((m) => {
          clearTimeout(timer);
          if ((m as { exited?: boolean }).exited) reject(new Error('worker exited'));
          else resolve(m as T);
        });
      });
    },
    send(message: unknown) {
      child.stdin!.write(`${JSON.stringify(message)}\n`);
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a live process, from /proc (bytes). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status);
  return kb ? Number(kb[1]) * 1024 : Number.NaN;
}

/** Stops a child we started and waits for it to exit (SIGKILL after a grace period). */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The root package.json's `start` script as argv, run with this Node (what `npm start` runs, minus npm). */
export function startCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start!.trim().split(/\s+/);
  // HUBGATE_BENCH_PROFILE_DIR: each server started so writes a V8 CPU profile there when it stops (profiling a row).
  const profile = process.env.HUBGATE_BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HUBGATE_BENCH_PROFILE_DIR}`] : [];
  if (words[0] === 'node') return { command: process.execPath, args: [...profile, ...words.slice(1)] };
  return { command: 'sh', args: ['-c', pkg.scripts.start!] };
}
