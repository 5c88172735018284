import { describe, expect, it } from 'vitest';
import { routeTemplates } from '../src/define-route.js';
import { endpointDocs } from '../src/endpoint-docs.js';
import { GitHubSim } from '../src/index.js';
import { spec } from './openapi-schemas.js';

describe("the simulator's routes against GitHub's OpenAPI description", () => {
  it("are each one of GitHub's operations, linked to the page GitHub's errors link", async () => {
    const sim = await GitHubSim.start();
    await sim.close();
    const templates = routeTemplates();
    expect(templates.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const template of templates) {
      const [method, path] = template.split(' ') as [string, string];
      const operation = spec.paths[path]?.[method.toLowerCase()];
      if (!operation) wrong.push(`${template}: not in GitHub's description`);
      else if (endpointDocs[template] !== operation.externalDocs?.url)
        wrong.push(`${template}: ${endpointDocs[template]} instead of ${operation.externalDocs?.url}`);
    }
    expect(wrong).toEqual([]);
  });
});
