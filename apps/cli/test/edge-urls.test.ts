import { describe, expect, it } from 'vitest';
import { edgeUrls } from '../src/device-setup';

describe('edgeUrls (--edge)', () => {
  it('gives the http(s) origin and the WebSocket URL, whichever form is given', () => {
    expect(edgeUrls('http://127.0.0.1:8080')).toEqual({
      http: 'http://127.0.0.1:8080',
      socket: 'ws://127.0.0.1:8080/ws',
    });
    expect(edgeUrls('wss://edge.lan:8443/ws')).toEqual({
      http: 'https://edge.lan:8443',
      socket: 'wss://edge.lan:8443/ws',
    });
  });

  it('refuses what is not an http(s) or ws(s) URL, saying so', () => {
    expect(() => edgeUrls('nope')).toThrow(/is not a URL/);
    expect(() => edgeUrls('ftp://edge')).toThrow(/expected an http\(s\):\/\/ or ws\(s\):\/\/ URL/);
  });
});
