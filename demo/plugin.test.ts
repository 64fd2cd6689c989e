import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentAnswerSchema } from '../shared/schemas';
import { demoPlugin, type DemoOptions } from './plugin';

const HOSTILE_KEY = 'pk_demo"><script>alert(1)</script>';
let app: FastifyInstance | undefined;

async function build(options: Partial<DemoOptions> = {}): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(demoPlugin, { prefix: '/demo', siteKey: 'pk_demo_12345678', widgetSrc: '/widget.js', maxDelayMs: 0, ...options });
  return app;
}

const postAgent = (server: FastifyInstance, payload: unknown) => server.inject({ method: 'POST', url: '/demo/agent', payload: payload as object });

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('demo pages', () => {
  it('should fill and escape the placeholders of the product page', async () => {
    const server = await build({ siteKey: HOSTILE_KEY, widgetSrc: 'http://localhost:4000/widget.js?a=1&b="x"' });
    const res = await server.inject('/demo/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('data-site-key="pk_demo&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(res.body).toContain('src="http://localhost:4000/widget.js?a=1&amp;b=&quot;x&quot;"');
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('{{');
    expect(res.body).toContain('data-agent-url="/demo/agent"');
  });

  it('should serve the wrap page without an agent URL', async () => {
    const server = await build();
    for (const url of ['/demo/wrap', '/demo/wrap.html']) {
      const res = await server.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('data-site-key="pk_demo_12345678"');
      expect(res.body).toContain('<script async src="/widget.js" data-site-key="pk_demo_12345678"></script>');
      expect(res.body).toMatch(/<label for="chat-input">Your question<\/label>/);
    }
  });

  it('should keep both pages free of inline script other than the queue stub, and of inline styles', async () => {
    const server = await build();
    for (const url of ['/demo/', '/demo/wrap']) {
      const body = (await server.inject(url)).body;
      const inline = [...body.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
      expect(inline).toEqual(['window.Backstop=window.Backstop||function(){(Backstop.q=Backstop.q||[]).push(arguments)};']);
      expect(body).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    }
  });

  it('should redirect /demo to /demo/ so relative asset URLs resolve', async () => {
    const res = await (await build()).inject('/demo');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/demo/');
  });

  it('should serve the static assets with their types', async () => {
    const server = await build();
    expect((await server.inject('/demo/demo.css')).headers['content-type']).toMatch(/^text\/css/);
    expect((await server.inject('/demo/wrap.js')).headers['content-type']).toMatch(/javascript/);
  });

  it('should coexist with @fastify/static registered by the host server', async () => {
    app = Fastify();
    await app.register(fastifyStatic, { root: path.resolve('demo/pages'), prefix: '/other/' });
    await app.register(demoPlugin, { prefix: '/demo', siteKey: 'pk_demo_12345678', widgetSrc: '/widget.js' });
    expect((await app.inject('/demo/demo.css')).statusCode).toBe(200);
  });
});

describe('POST /demo/agent', () => {
  it('should return a valid answer', async () => {
    const res = await postAgent(await build(), { conversationId: randomUUID(), message: 'When is my next bill?' });
    expect(res.statusCode).toBe(200);
    const parsed = agentAnswerSchema.safeParse(res.json());
    expect(parsed.success).toBe(true);
    expect(parsed.data?.topic).toBe('billing');
  });

  it('should drift from the 6th message of the same conversation only', async () => {
    const server = await build();
    const conversationId = randomUUID();
    const topics: string[] = [];
    for (let i = 0; i < 6; i++) topics.push((await postAgent(server, { conversationId, message: 'When is my next bill?' })).json().topic);
    expect(topics).toEqual(['billing', 'billing', 'billing', 'billing', 'billing', 'account']);
    expect((await postAgent(server, { conversationId: randomUUID(), message: 'When is my next bill?' })).json().topic).toBe('billing');
  });

  it('should reject bad input with 400 and the fields at fault', async () => {
    const res = await postAgent(await build(), { conversationId: 42, message: '' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toEqual(expect.any(String));
    expect(Object.keys(body.fields).sort()).toEqual(['conversationId', 'message']);
  });

  it('should reject a message over 4000 characters', async () => {
    const res = await postAgent(await build(), { conversationId: 'c1', message: 'x'.repeat(4001) });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields.message).toMatch(/4000/);
  });

  it('should reject malformed JSON with the same error shape', async () => {
    const res = await (await build()).inject({
      method: 'POST',
      url: '/demo/agent',
      headers: { 'content-type': 'application/json' },
      payload: '{"conversationId":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: expect.any(String), fields: {} });
  });

  it('should fail with 500 when asked for "agent error"', async () => {
    const res = await postAgent(await build(), { conversationId: 'c1', message: 'agent error' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toMatch(/on purpose/);
  });

  it('should wait the scenario delay, capped by maxDelayMs', async () => {
    const server = await build({ maxDelayMs: 200 });
    const started = performance.now();
    await postAgent(server, { conversationId: 'c1', message: 'Can you refund my last invoice?' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('POST /demo/agent with tracing', () => {
  it("should give the widget the ids of the trace it exported, the root span's among them", async () => {
    const exporter = new InMemorySpanExporter();
    const server = await build({ tracing: { exporter } });
    const answer = (await postAgent(server, { conversationId: 'c1', message: 'Can you refund my last invoice?' })).json();
    await vi.waitFor(() => expect(exporter.getFinishedSpans().length).toBeGreaterThan(0), { timeout: 2000 });
    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([answer.traceId]));
    const root = spans.find((s) => s.spanContext().spanId === answer.spanId)!;
    expect(root.parentSpanContext).toBeUndefined();
    expect(spans.filter((s) => s.attributes['error.type'] === 'timeout')).toHaveLength(2);
  });

  it('should report a failing trace for "agent error" too, and shut its exporter down when the server closes', async () => {
    /** Keeps its spans after shutdown (the SDK's in-memory exporter forgets them) and says it was shut down. */
    class KeepingExporter extends InMemorySpanExporter {
      shutDown = false;
      override shutdown() {
        this.shutDown = true;
        this._stopped = true;
        return Promise.resolve();
      }
    }
    const exporter = new KeepingExporter();
    const server = await build({ tracing: { exporter } });
    expect((await postAgent(server, { conversationId: 'c1', message: 'agent error' })).statusCode).toBe(500);
    await server.close();
    app = undefined;
    expect(exporter.shutDown).toBe(true);
    expect(exporter.getFinishedSpans().some((s) => s.attributes['error.type'] === 'demo_failure')).toBe(true);
  });
});
