/**
 * One process of the cold-burst fleet. For each burst the parent sends a configuration: the worker builds a
 * fresh (cold) client, says it is ready, waits for "go", fires its share of the burst at once and answers how
 * long it took. Separate processes, because @octokit/auth-app keeps its pending promises at module level:
 * four clients in one process would share them, four servers do not. The process is reused across bursts
 * (each burst gets a new client and a new scope), so a round costs no process start.
 */
import { createInterface } from 'node:readline';
import { type FleetConfig, type FleetTarget, fleetMember } from '../lib/fleet-clients.js';

type Command = { build: { name: FleetConfig; target: FleetTarget; requests: number } } | { go: true } | { exit: true };

let member: ReturnType<typeof fleetMember> | null = null;
let requests = 0;
const send = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  if ('exit' in command) break;
  if ('build' in command) {
    member = fleetMember(command.build.name, command.build.target);
    requests = command.build.requests;
    send({ ready: true });
    continue;
  }
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: requests }, () => member!.ask()));
  const ms = performance.now() - started;
  await member!.close();
  member = null;
  send({ ms, failed: results.filter((r) => r.status === 'rejected').length });
}
process.exit(0);
