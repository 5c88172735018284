// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { eventSettings } from '@hubgate/contract/fixtures';
import { EventSettings } from '../src/sections/EventSettings.tsx';
import { renderSection, roles } from './render-section.tsx';

const buttons = (region: HTMLElement) => within(region).queryAllByRole('button').map((b) => b.textContent?.trim());

describe('the Events tab', () => {
  for (const role of roles) {
    it(`with no endpoint: ${role === 'admin' ? 'a URL to save' : 'read only, and says who can set it'}`, async () => {
      renderSection(<EventSettings />, { role, answers: { 'GET /api/events': eventSettings.none } });
      const region = await screen.findByRole('region', { name: 'Endpoint' });
      const input = within(region).getByLabelText('Endpoint URL') as HTMLInputElement;
      expect(input.value).toBe('');
      if (role === 'admin') {
        expect(buttons(region)).toEqual(['Save endpoint']);
      } else {
        expect(buttons(region)).toEqual([]);
        expect(input.readOnly).toBe(true);
        expect(region.textContent).toMatch(/Only organization admins can change the endpoint/);
      }
      expect(screen.getByRole('region', { name: 'Dead letters' }).textContent).toContain('No dead letters.');
      expect(screen.getByRole('region', { name: 'Recent deliveries' }).textContent).toContain('No events yet.');
    });

    it(`with failing deliveries: the dead letter ${role === 'admin' ? 'with Redeliver' : 'without Redeliver'}, and what is retried says so`, async () => {
      renderSection(<EventSettings />, { role, answers: { 'GET /api/events': eventSettings.failing } });
      const dead = await screen.findByRole('list', { name: 'Dead letters' });
      expect(dead.textContent).toContain('The endpoint answered 500.');
      expect(dead.textContent).toContain('Not delivered');
      expect(within(dead).queryAllByRole('button').length).toBe(role === 'admin' ? 1 : 0);
      const recent = screen.getByRole('list', { name: 'Recent deliveries' });
      expect(recent.textContent).toContain('Retrying');
      // The rotation under way and the operator's endpoint are said, for both roles.
      const endpoint = screen.getByRole('region', { name: 'Endpoint' });
      expect(endpoint.textContent).toMatch(/previous signing secret also signs until/);
      expect(endpoint.textContent).toMatch(/operator also receives/);
    });
  }

  it('marks an event found by reconcile as such', async () => {
    renderSection(<EventSettings />, { role: 'member', answers: { 'GET /api/events': eventSettings.working } });
    const recent = await screen.findByRole('list', { name: 'Recent deliveries' });
    expect(recent.textContent).toContain('found by reconcile (GitHub had not sent it)');
  });

  it('shows the new secret once after saving, names a refusal in place, and sends nothing for an empty URL', async () => {
    let saved = false;
    const { calls } = renderSection(<EventSettings />, {
      role: 'admin',
      answers: {
        'GET /api/events': () => (saved ? eventSettings.working : eventSettings.none),
        'PUT /api/events/endpoint': (body: { url: string }) => {
          if (body.url.startsWith('http:')) return Object.assign(new Error('url: https only'), {});
          saved = true;
          return { url: body.url, secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' };
        },
      },
    });
    const region = await screen.findByRole('region', { name: 'Endpoint' });
    fireEvent.click(within(region).getByRole('button', { name: 'Save endpoint' }));
    expect(within(region).getByRole('alert').textContent).toBe('Enter the https URL your events are posted to.');
    expect(calls.filter((c) => c.method === 'PUT')).toEqual([]);

    fireEvent.change(within(region).getByLabelText('Endpoint URL'), { target: { value: 'http://product.example/hooks' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Save endpoint' }));
    await waitFor(() => expect(within(region).getByRole('alert').textContent).toBe('url: https only'));

    fireEvent.change(within(region).getByLabelText('Endpoint URL'), { target: { value: 'https://product.example/hooks/hubgate' } });
    fireEvent.click(within(region).getByRole('button', { name: 'Save endpoint' }));
    const secret = (await within(region).findByLabelText('Signing secret')) as HTMLInputElement;
    expect(secret.value).toBe('whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0');
    expect(region.textContent).toMatch(/it is not shown again/);
    await waitFor(() => expect(buttons(region)).toEqual(['Copy', 'Save URL', 'Rotate secret', 'Remove endpoint']));
  });

  it('redelivers a dead letter and reloads the lists', async () => {
    let redelivered = false;
    const { calls } = renderSection(<EventSettings />, {
      role: 'admin',
      answers: {
        'GET /api/events': () => (redelivered ? eventSettings.working : eventSettings.failing),
        'POST /api/events/deliveries/4/redeliver': () => {
          redelivered = true;
          return { ...eventSettings.failing.deadLetters[0], status: 'pending' };
        },
      },
    });
    const dead = await screen.findByRole('list', { name: 'Dead letters' });
    fireEvent.click(within(dead).getByRole('button', { name: 'Redeliver push of Engineering' }));
    await waitFor(() => expect(screen.getByRole('region', { name: 'Dead letters' }).textContent).toContain('No dead letters.'));
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/events/deliveries/4/redeliver']);
  });
});
