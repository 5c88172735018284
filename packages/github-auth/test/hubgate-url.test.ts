import { describe, expect, it } from 'vitest';
import { hubgateBaseUrl } from '../src/index.js';

describe('HUBGATE_URL, where a key or an ID token is sent', () => {
  it('takes https anywhere and plain http to this machine only, as a base with a trailing slash', () => {
    expect(hubgateBaseUrl('https://hubgate.example/tenant').href).toBe('https://hubgate.example/tenant/');
    expect(hubgateBaseUrl(' http://127.0.0.1:3000 ').href).toBe('http://127.0.0.1:3000/');
    expect(hubgateBaseUrl('http://localhost:3000/').href).toBe('http://localhost:3000/');
    expect(hubgateBaseUrl('http://[::1]:3000').href).toBe('http://[::1]:3000/');
  });

  it('refuses plain http elsewhere and what is no URL, naming it', () => {
    expect(() => hubgateBaseUrl('http://hubgate.example')).toThrow(
      'HUBGATE_URL http://hubgate.example is neither https nor a loopback address: the agent key is only ever sent over https',
    );
    expect(() => hubgateBaseUrl('http://127.0.0.1.evil.example')).toThrow(/neither https nor a loopback address/);
    expect(() => hubgateBaseUrl('hubgate')).toThrow('HUBGATE_URL "hubgate" is not a URL (expected https://hubgate.example)');
  });
});
