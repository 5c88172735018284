import type { Bench } from '../lib/bench.js';
import { brokerCosts } from './broker.js';
import { coldBurst } from './cold-burst.js';
import { fleetModel } from './fleet-model.js';
import { fleetRace } from './fleet-race.js';
import { gitHelper } from './git-helper.js';
import { manyRepositories, pluginDelay } from './github-calls.js';
import { httpEndpoints } from './http.js';
import { productEvents } from './product-events.js';
import { redisCold } from './redis-cold.js';
import { scale } from './scale.js';
import { startup, webhookIntake } from './server-costs.js';
import { warmCalls } from './warm-calls.js';

export interface Section {
  name: string;
  run(bench: Bench): Promise<unknown>;
  /** part of `--quick` (CI): the sections that start whole servers several times are left to the full run */
  quick: boolean;
}

/** In the order they appear in docs/benchmarks.md. */
export const sections: Section[] = [
  { name: 'warm', run: warmCalls, quick: true },
  { name: 'model', run: fleetModel, quick: true },
  { name: 'race', run: fleetRace, quick: true },
  { name: 'burst', run: coldBurst, quick: true },
  { name: 'git', run: gitHelper, quick: true },
  { name: 'redis', run: redisCold, quick: true },
  { name: 'delay', run: pluginDelay, quick: true },
  { name: 'repos', run: manyRepositories, quick: true },
  { name: 'scale', run: scale, quick: true },
  { name: 'http', run: httpEndpoints, quick: true },
  { name: 'broker', run: brokerCosts, quick: true },
  { name: 'webhooks', run: webhookIntake, quick: false },
  { name: 'events', run: productEvents, quick: true },
  { name: 'startup', run: startup, quick: false },
];
