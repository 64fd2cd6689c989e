/** A minimal Server-Sent Events reader over fetch, for tests of tRPC subscriptions through real HTTP. */
export interface SseMessage {
  id: string | null;
  event: string | null;
  data: string;
}

export function openSse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const messages: SseMessage[] = [];
  let status = 0;
  const done = (async () => {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    status = res.status;
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const msg: SseMessage = { id: null, event: null, data: '' };
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') msg.id = value;
          else if (field === 'event') msg.event = value;
          else if (field === 'data') msg.data += (msg.data ? '\n' : '') + value;
        }
        messages.push(msg);
      }
    }
  })().catch((err) => {
    if (!controller.signal.aborted) throw err;
  });
  /** Data messages that carry a tracked id (the events). */
  const tracked = () => messages.filter((m) => m.id !== null && m.event === null).map((m) => ({ id: m.id!, data: JSON.parse(m.data) }));
  return {
    messages,
    tracked,
    status: () => status,
    async until(test: (events: { id: string; data: any }[]) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!test(tracked())) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; SSE so far (status ${status}): ${JSON.stringify(messages).slice(0, 2000)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return tracked();
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}
