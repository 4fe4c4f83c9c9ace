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

  it('refuses a path the edge does not serve its WebSocket at, naming the forms it takes', () => {
    expect(() => edgeUrls('http://edge.lan:8080/app')).toThrow(
      '--edge http://edge.lan:8080/app: the edge serves its WebSocket at /ws, not /app; give its origin (http://edge.lan:8080) or its /ws URL',
    );
    expect(() => edgeUrls('ws://edge.lan:8080/socket')).toThrow(/not \/socket/);
    expect(edgeUrls('http://edge.lan:8080/').socket).toBe('ws://edge.lan:8080/ws');
  });
});
