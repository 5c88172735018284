import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { acme, connected, createLooseRepository, createProject, tisket } from './broker-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

let counter = 0;
const unique = (base: string) => `${base}-${Date.now().toString(36)}-${counter++}`;

/** The MCP server at /mcp, driven by the SDK's own client over Streamable HTTP against the simulator. */
describe('the MCP server', () => {
  let h: Harness;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness();
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
    await connected(h, await h.signIn('user_cyd'), 'cyd', 'acme-corp');
    // The product's app may open pull requests where the installation grants it.
    const sim = h.hub.sandbox!.sim;
    const installation = sim.store.installations.get(installationId)!;
    sim.world.acceptNewPermissions(installation, { ...installation.permissions, pull_requests: 'write' }, sim.store.requireUser('ada'));
    await sim.webhooks.settle();
    await h.hub.receiver.settle();
  });
  afterAll(() => h.close());

  const keyWith = async (grant: Record<string, unknown>) => {
    const created = await h.api(await h.signIn('user_ada'), 'POST', '/api/agent-keys', { name: unique('mcp agent'), grant });
    expect(created.status).toBe(201);
    return created.body.key as string;
  };
  const clientFor = async (key: string) => {
    const client = new Client({ name: 'hubgate-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${h.hub.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    onTestFinished(() => client.close());
    return client;
  };
  const textOf = (result: any) => (result.content as { text: string }[]).map((c) => c.text).join('');

  it('lists only the tools the grant allows', async () => {
    const reader = await clientFor(await keyWith({ permissions: { contents: 'read' } }));
    expect((await reader.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_files', 'list_projects', 'read_file']);
    const writer = await clientFor(await keyWith({ permissions: { contents: 'write', pull_requests: 'write' } }));
    expect((await writer.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'create_branch',
      'list_files',
      'list_projects',
      'open_pull_request',
      'read_file',
      'write_file',
    ]);
    const issuesOnly = await clientFor(await keyWith({ permissions: { issues: 'read' } }));
    expect((await issuesOnly.listTools()).tools.map((t) => t.name)).toEqual(['list_projects']);
  });

  it('writes a file as a commit, creates a branch and opens a pull request, each with a token for that one repository', async () => {
    const name = unique('mcp-work');
    const { repo } = await createProject(h, tisket, 'tisket-com', name, { installationId });
    const client = await clientFor(await keyWith({ permissions: { contents: 'write', pull_requests: 'write' } }));
    const repository = `tisket-com/${name}`;
    const projects = JSON.parse(textOf(await client.callTool({ name: 'list_projects', arguments: {} })));
    expect(projects.map((p: any) => p.repository)).toContain(repository);

    const written = await client.callTool({ name: 'write_file', arguments: { repository, path: 'docs/a.md', content: '# A\n', message: 'add a' } });
    expect(written.isError, textOf(written)).toBeFalsy();
    expect(JSON.parse(textOf(written))).toMatchObject({ path: 'docs/a.md', created: true });
    const read = JSON.parse(textOf(await client.callTool({ name: 'read_file', arguments: { repository, path: 'docs/a.md' } })));
    expect(read).toMatchObject({ content: '# A\n', truncated: false });
    const listed = JSON.parse(textOf(await client.callTool({ name: 'list_files', arguments: { repository, path: 'docs' } })));
    expect(listed.entries).toEqual([{ type: 'file', path: 'docs/a.md', size: 4 }]);

    const branch = await client.callTool({ name: 'create_branch', arguments: { repository, branch: 'agent/change' } });
    expect(branch.isError, textOf(branch)).toBeFalsy();
    await client.callTool({ name: 'write_file', arguments: { repository, path: 'docs/a.md', content: '# A, changed\n', message: 'change a', branch: 'agent/change' } });
    const pull = await client.callTool({ name: 'open_pull_request', arguments: { repository, title: 'Change a', head: 'agent/change' } });
    expect(pull.isError, textOf(pull)).toBeFalsy();
    expect(JSON.parse(textOf(pull))).toMatchObject({ number: 1 });
    expect(repo.id).toBeGreaterThan(0);
  });

  it('reaches no repository outside the grant, whatever the prompt asks: another tenant\'s, one that is no project, one outside the grant', async () => {
    const mine = unique('mcp-mine');
    const other = unique('mcp-other');
    const listed = await createProject(h, tisket, 'tisket-com', mine, { installationId });
    await createProject(h, tisket, 'tisket-com', other, { installationId });
    const theirs = unique('mcp-theirs');
    await createProject(h, acme, 'acme-corp', theirs);
    const loose = unique('mcp-loose');
    await createLooseRepository(h, 'tisket-com', loose, installationId);
    const client = await clientFor(await keyWith({ projects: { ids: [listed.project.id] }, permissions: { contents: 'write' } }));
    const mints = h.hub.sandbox!.sim.mintCount();
    for (const repository of [`acme-corp/${theirs}`, `tisket-com/${loose}`]) {
      const refused = await client.callTool({ name: 'read_file', arguments: { repository, path: 'README.md' } });
      expect(refused.isError, repository).toBe(true);
      expect(textOf(refused)).toBe('That repository is not one of your organization’s projects (or does not exist).');
      const write = await client.callTool({ name: 'write_file', arguments: { repository, path: 'x.md', content: 'x', message: 'x' } });
      expect(textOf(write)).toBe('That repository is not one of your organization’s projects (or does not exist).');
    }
    const outside = await client.callTool({ name: 'write_file', arguments: { repository: `tisket-com/${other}`, path: 'x.md', content: 'x', message: 'x' } });
    expect(textOf(outside)).toBe(`The project tisket-com/${other} is outside this agent key's grant.`);
    expect(h.hub.sandbox!.sim.mintCount()).toBe(mints);
    const projects = JSON.parse(textOf(await client.callTool({ name: 'list_projects', arguments: {} })));
    expect(projects.map((p: any) => p.repository)).toEqual([`tisket-com/${mine}`]);
  });

  it('checks inputs: no path out of the repository, no oversized content', async () => {
    const name = unique('mcp-inputs');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const client = await clientFor(await keyWith({ permissions: { contents: 'write' } }));
    const repository = `tisket-com/${name}`;
    const traversal = await client.callTool({ name: 'read_file', arguments: { repository, path: '../../etc/passwd' } });
    expect(traversal.isError).toBe(true);
    expect(textOf(traversal)).toMatch(/path: relative to the repository root, without \. or \.\. segments/);
    const huge = await client.callTool({ name: 'write_file', arguments: { repository, path: 'big.txt', content: 'x'.repeat(1024 * 1024 + 1), message: 'big' } });
    expect(huge.isError).toBe(true);
    expect(textOf(huge)).toMatch(/content: at most 1 MB/);
    const badName = await client.callTool({ name: 'read_file', arguments: { repository: 'https://evil.example/x/y', path: 'a' } });
    expect(textOf(badName)).toMatch(/repository: owner\/name of one of your projects/);
  });

  it('serves the same tools over stdio with `hubgate mcp`, which holds no tools of its own', async () => {
    const name = unique('mcp-stdio');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await keyWith({ permissions: { contents: 'read' } });
    const client = new Client({ name: 'hubgate-stdio-test', version: '1.0.0' });
    const bin = fileURLToPath(new URL('../bin/hubgate.mjs', import.meta.url));
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp'], env: { PATH: process.env.PATH ?? '', HUBGATE_URL: h.hub.url, HUBGATE_AGENT_KEY: key }, stderr: 'pipe' }),
    );
    onTestFinished(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_files', 'list_projects', 'read_file']);
    const projects = JSON.parse(textOf(await client.callTool({ name: 'list_projects', arguments: {} })));
    expect(projects.map((p: any) => p.repository)).toContain(`tisket-com/${name}`);
  });

  it('lets a workload in with its ID token instead of a key, under its trust policy and that policy\'s grant only', async () => {
    const name = unique('mcp-identity');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const ada = await h.signIn('user_ada');
    const policy = await h.api(ada, 'POST', '/api/trust-policies', {
      name: unique('mcp pods'),
      issuer: `${h.hub.url}/sandbox/workload`,
      subject: 'system:serviceaccount:agents:*',
      grant: { permissions: { contents: 'read' } },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);
    const idToken = async (subject: string) =>
      (
        (await (
          await fetch(`${h.hub.url}/sandbox/workload/token?subject=${encodeURIComponent(subject)}&audience=${encodeURIComponent(`${h.hub.url}/tenants/${tisket}`)}`, {
            headers: { authorization: 'bearer sandbox-workload' },
          })
        ).json()) as { value: string }
      ).value;
    const client = await clientFor(await idToken('system:serviceaccount:agents:reviewer'));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_files', 'list_projects', 'read_file']);
    const projects = JSON.parse(textOf(await client.callTool({ name: 'list_projects', arguments: {} })));
    expect(projects.map((p: any) => p.repository)).toContain(`tisket-com/${name}`);
    const stranger = await fetch(`${h.hub.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await idToken('system:serviceaccount:default:intruder')}` },
      body: '{}',
    });
    expect(stranger.status).toBe(401);
    expect(((await stranger.json()) as any).error.message).toBe('No trust policy of this organization matches this ID token (its subject and claims).');
  });

  it('takes a workload identity over stdio too: `hubgate mcp` with HUBGATE_ID_TOKEN_FILE', async () => {
    const ada = await h.signIn('user_ada');
    const policy = await h.api(ada, 'POST', '/api/trust-policies', {
      name: unique('stdio pods'),
      issuer: `${h.hub.url}/sandbox/workload`,
      subject: 'system:serviceaccount:stdio:*',
      grant: { permissions: { contents: 'write' } },
    });
    expect(policy.status).toBe(201);
    const answer = await fetch(
      `${h.hub.url}/sandbox/workload/token?subject=system:serviceaccount:stdio:agent&audience=${encodeURIComponent(`${h.hub.url}/tenants/${tisket}`)}`,
      { headers: { authorization: 'bearer sandbox-workload' } },
    );
    const dir = mkdtempSync(join(tmpdir(), 'hubgate-mcp-identity-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'token'), ((await answer.json()) as { value: string }).value);
    const client = new Client({ name: 'hubgate-stdio-identity', version: '1.0.0' });
    const bin = fileURLToPath(new URL('../bin/hubgate.mjs', import.meta.url));
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [bin, 'mcp'],
        env: { PATH: process.env.PATH ?? '', HUBGATE_URL: h.hub.url, HUBGATE_ID_TOKEN_FILE: join(dir, 'token') },
        stderr: 'pipe',
      }),
    );
    onTestFinished(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('write_file');
  });

  it('refuses a caller without a valid agent key', async () => {
    const none = await fetch(`${h.hub.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.message).toBe('Send the agent key as Authorization: Bearer hgk_....');
    const key = await keyWith({ permissions: { contents: 'read' } });
    const ada = await h.signIn('user_ada');
    const keys = (await h.api(ada, 'GET', '/api/agent-keys')).body.keys as { id: string; prefix: string }[];
    const id = keys.find((k) => key.startsWith(k.prefix))!.id;
    await h.api(ada, 'DELETE', `/api/agent-keys/${id}`);
    const revoked = await fetch(`${h.hub.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{}' });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as any).error.message).toBe('The agent key is unknown, revoked or expired.');
  });
});
