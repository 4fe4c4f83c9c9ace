import { describe, expect, it } from 'vitest';
import { fetchEdgeProfile, parseEdgeProfile } from '../src/edge-profile';

const latency = {
  backend: 'wasm',
  device: 'edge box',
  kinds: { dense: { intercept: 0.1, weights: [1e-6] } },
  callOverheadMs: 0.05,
};

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the edge profile', () => {
  it('takes a profile and names the first bad field of a wrong one', () => {
    expect(parseEdgeProfile({ backend: 'wasm', device: 'x', latency }).latency).toEqual(latency);
    expect(() =>
      parseEdgeProfile({ latency: { ...latency, kinds: { dense: { intercept: 'fast' } } } }),
    ).toThrow(/latency\.kinds\.dense\.intercept/);
    expect(() => parseEdgeProfile({ backend: 'wasm' })).toThrow(
      expect.objectContaining({ code: 'EDGENT_ERR_BAD_PROFILE' }),
    );
  });

  it('polls while the edge profiles itself, from the given base URL', async () => {
    const urls: string[] = [];
    const waits: unknown[] = [];
    const replies = [answer(202, { status: { phase: 'layers' } }), answer(200, { latency })];
    const p = await fetchEdgeProfile('http://edge:8080/', {
      fetch: (async (url: string) => {
        urls.push(url);
        return replies.shift();
      }) as typeof fetch,
      onWait: (s) => waits.push(s),
      pollMs: 1,
    });
    expect(urls).toEqual(['http://edge:8080/api/profile', 'http://edge:8080/api/profile']);
    expect(waits).toEqual([{ phase: 'layers' }]);
    expect(p).toEqual({ backend: '?', device: '?', latency });
  });

  it("passes the edge's error code on", async () => {
    await expect(
      fetchEdgeProfile('', {
        fetch: (async () =>
          answer(503, { code: 'EDGENT_ERR_NO_PROFILE', message: 'profiling failed' })) as never,
      }),
    ).rejects.toMatchObject({
      code: 'EDGENT_ERR_NO_PROFILE',
      message: 'GET /api/profile: HTTP 503: profiling failed',
    });
  });
});
