/**
 * The access checks as pure functions: Host names, the allow-list, and token
 * redaction in logged URLs. (The checks on a live edge are in
 * apps/cli/test/hardening.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/request-log.js';
import { hostAllowed, hostNameOf } from '../src/security.js';

const policy = {
  token: undefined,
  allowedHosts: ['localhost', '127.0.0.1', '::1', 'vm'],
  allowedOrigins: [],
};

describe('Host names', () => {
  it.each([
    ['localhost:8080', 'localhost'],
    ['VM:8443', 'vm'],
    ['[::1]:8080', '::1'],
    ['[::1]', '::1'],
    ['192.168.1.20', '192.168.1.20'],
    ['edge.lan.', 'edge.lan.'],
  ])('%s names %s', (host, name) => {
    expect(hostNameOf(host)).toBe(name);
  });

  it('allows the listed hosts and *.localhost, refuses others (DNS rebinding)', () => {
    expect(hostAllowed('localhost:1', policy)).toBe(true);
    expect(hostAllowed('[::1]:1', policy)).toBe(true);
    expect(hostAllowed('app.localhost:1', policy)).toBe(true);
    expect(hostAllowed('attacker.example:8080', policy)).toBe(false);
    expect(hostAllowed('localhost.attacker.example', policy)).toBe(false);
    expect(hostAllowed('attacker.example', { ...policy, allowedHosts: ['*'] })).toBe(true);
  });
});

describe('redactUrl', () => {
  it.each([
    ['/api?token=s', '/api?token=<hidden>'],
    ['/api?a=1&TOKEN=s&b=2', '/api?a=1&TOKEN=<hidden>&b=2'],
    ['/api?%74oken=s', '/api?%74oken=<hidden>'],
    ['/api?to%6Ben=s#frag', '/api?to%6Ben=<hidden>#frag'],
    ['/api?%zztoken=s&token', '/api?%zztoken=s&token=<hidden>'],
    ['/api?tokens=kept', '/api?tokens=kept'],
    ['/api', '/api'],
  ])('%s logs as %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});
