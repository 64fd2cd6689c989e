import { describe, expect, it, vi } from 'vitest';
import { agentFromUrl, askAgent, type AgentFn } from './agent';

const ANSWER = { id: 'a1', text: 'Hello', confidence: 0.6 };
const CONVERSATION = '11111111-1111-4111-8111-111111111111';

const respond = (body: string, status = 200) => vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => new Response(body, { status }));

describe('askAgent', () => {
  it('should return a validated answer', async () => {
    expect(await askAgent(async () => ANSWER, 'hi', CONVERSATION)).toEqual({ ok: true, answer: ANSWER });
  });

  it('should pass the conversation id and an abort signal to the agent', async () => {
    const agent = vi.fn<AgentFn>(async () => ANSWER);
    await askAgent(agent, 'hi', CONVERSATION);
    expect(agent).toHaveBeenCalledWith('hi', { conversationId: CONVERSATION, signal: expect.any(AbortSignal) });
  });

  it('should report an invalid answer as agent_bad_answer naming the field', async () => {
    const result = await askAgent(async () => ({ ...ANSWER, sources: [{ title: 'x', url: 'javascript:1' }] }), 'hi', CONVERSATION);
    expect(result).toMatchObject({ ok: false, code: 'agent_bad_answer', reason: expect.stringContaining("'sources.0.url'") });
  });

  it('should report a throwing agent as agent_error', async () => {
    const result = await askAgent(() => {
      throw new Error('nope');
    }, 'hi', CONVERSATION);
    expect(result).toEqual({ ok: false, code: 'agent_error', reason: 'nope' });
  });

  it('should time out an agent that never answers and abort its signal', async () => {
    let signal: AbortSignal | undefined;
    const result = await askAgent((_m, ctx) => ((signal = ctx.signal), new Promise(() => {})), 'hi', CONVERSATION, 10);
    expect(result).toMatchObject({ ok: false, code: 'agent_timeout' });
    expect(signal?.aborted).toBe(true);
  });
});

describe('agentFromUrl', () => {
  it('should POST the conversation id and message as JSON', async () => {
    const fetch = respond(JSON.stringify(ANSWER));
    expect(await askAgent(agentFromUrl('/demo/agent', fetch), 'hi there', CONVERSATION)).toEqual({ ok: true, answer: ANSWER });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/demo/agent');
    expect(init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(String(init?.body))).toEqual({ conversationId: CONVERSATION, message: 'hi there' });
  });

  it('should report a non-2xx answer as agent_error', async () => {
    expect(await askAgent(agentFromUrl('/a', respond('{}', 502)), 'hi', CONVERSATION)).toMatchObject({ ok: false, code: 'agent_error', reason: expect.stringContaining('502') });
  });

  it('should report a body that is not JSON as agent_error', async () => {
    expect(await askAgent(agentFromUrl('/a', respond('<html>oops')), 'hi', CONVERSATION)).toMatchObject({ ok: false, code: 'agent_error' });
  });
});
