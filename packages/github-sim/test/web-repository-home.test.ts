import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';

describe("a repository's home page on the simulated GitHub (the html_url every API answer links to)", () => {
  let sim: GitHubSim;
  beforeAll(async () => {
    sim = await GitHubSim.start();
    sim.addUser('ada');
    sim.addUser('eve');
    sim.addOrg('tisket-com', { ada: 'admin' });
  });
  afterAll(() => sim.close());

  async function signedIn(login: string): Promise<string> {
    const answer = await fetch(`${sim.webUrl}/session`, { method: 'POST', body: new URLSearchParams({ login, return_to: '/' }), redirect: 'manual' });
    return answer.headers.get('set-cookie')!.split(';')[0]!;
  }

  it('shows a private repository to a member of its owner: visibility, default branch, files and README', async () => {
    await sim.createRepository('tisket-com', 'home-private.tickets', { private: true });
    const answer = await fetch(`${sim.webUrl}/tisket-com/home-private.tickets`, { headers: { cookie: await signedIn('ada') } });
    expect(answer.status).toBe(200);
    const html = await answer.text();
    expect(html).toContain('<h1>tisket-com/home-private.tickets</h1>');
    expect(html).toContain('<span id="visibility">Private</span>');
    expect(html).toMatch(/href="\/tisket-com\/home-private\.tickets\/blob\/main\/README\.md"/);
    expect(html).toContain('<pre id="readme">');
  });

  it('sends a signed-out visitor of a private repository to sign in, and shows another user a 404', async () => {
    await sim.createRepository('tisket-com', 'home-hidden.tickets', { private: true });
    const signedOut = await fetch(`${sim.webUrl}/tisket-com/home-hidden.tickets`, { redirect: 'manual' });
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toBe('/login?return_to=%2Ftisket-com%2Fhome-hidden.tickets');
    const stranger = await fetch(`${sim.webUrl}/tisket-com/home-hidden.tickets`, { headers: { cookie: await signedIn('eve') } });
    expect(stranger.status).toBe(404);
  });

  it('shows a public repository to anyone, answers 404 for one that does not exist, and shadows no fixed page', async () => {
    await sim.createRepository('tisket-com', 'home-public', { private: false, autoInit: false });
    const open = await fetch(`${sim.webUrl}/tisket-com/home-public`);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('This repository is empty.');
    expect((await fetch(`${sim.webUrl}/tisket-com/nothing-here`)).status).toBe(404);
    const login = await fetch(`${sim.webUrl}/login`);
    expect(await login.text()).toContain('Sign in to GitHub');
  });
});
