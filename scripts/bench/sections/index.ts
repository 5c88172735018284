import type { Bench } from '../lib/bench.js';
import { coldBurst } from './cold-burst.js';
import { fleetModel } from './fleet-model.js';
import { fleetRace } from './fleet-race.js';
import { gitHelper } from './git-helper.js';
import { manyRepositories, pluginDelay } from './github-calls.js';
import { redisCold } from './redis-cold.js';
import { scale } from './scale.js';
import { warmCalls } from './warm-calls.js';

export interface Section {
  name: string;
  run(bench: Bench): Promise<unknown>;
}

/** In the order they appear in docs/benchmarks.md. */
export const sections: Section[] = [
  { name: 'warm', run: warmCalls },
  { name: 'model', run: fleetModel },
  { name: 'race', run: fleetRace },
  { name: 'burst', run: coldBurst },
  { name: 'git', run: gitHelper },
  { name: 'redis', run: redisCold },
  { name: 'delay', run: pluginDelay },
  { name: 'repos', run: manyRepositories },
  { name: 'scale', run: scale },
];
