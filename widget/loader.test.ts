// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { boot, scriptOptions, type BackstopGlobal } from './loader';
import type { Widget } from './runtime';

const KEY = 'pk_test_12345678';

/** A page as the snippet leaves it: the stub, with whatever was queued before the bundle arrived. */
function page(...queued: unknown[][]) {
  const win: { Backstop?: unknown } = {};
  const stub: BackstopGlobal = (...args: unknown[]) => void (stub.q ??= []).push(args);
  win.Backstop = stub;
  for (const args of queued) stub(...args);
  return win;
}

function fakeStart() {
  const calls: string[] = [];
  const widget: Widget = {
    update: (o) => void calls.push(`update ${Object.keys(o).join(',')}`),
    identify: (who) => void calls.push(`identify ${(who as { userId: string }).userId}`),
    attach: (_el, answer) => void calls.push(`attach ${(answer as { id: string }).id}`),
    open: () => void calls.push('open'),
    close: () => void calls.push('close'),
    reset: () => void calls.push('reset'),
    destroy: () => void calls.push('destroy'),
  };
  const start = vi.fn((options: Parameters<Parameters<typeof boot>[2]>[0]) => {
    calls.push(`start ${options.siteKey}`);
    return widget;
  });
  return { start, calls };
}

function script(attrs: Record<string, string>): HTMLScriptElement {
  const s = document.createElement('script');
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  return s;
}

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('boot', () => {
  it('should replay queued calls in order', () => {
    const win = page(['init', { siteKey: KEY }], ['attach', document.body, { id: 'a1' }], ['open'], ['attach', document.body, { id: 'a2' }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    expect(calls).toEqual(['start pk_test_12345678', 'attach a1', 'open', 'attach a2']);
  });

  it('should give an identify queued before init to the widget once it starts, and later ones at once', () => {
    const win = page(['identify', { userId: 'u_1', token: 't' }], ['init', { siteKey: KEY }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    (win.Backstop as BackstopGlobal)('identify', { userId: 'u_2', token: 't' });
    expect(calls).toEqual(['start pk_test_12345678', 'identify u_1', 'identify u_2']);
  });

  it('should reset the running widget at once, each time it is called', () => {
    const win = page(['init', { siteKey: KEY }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    (win.Backstop as BackstopGlobal)('reset');
    (win.Backstop as BackstopGlobal)('reset');
    expect(calls).toEqual(['start pk_test_12345678', 'reset', 'reset']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('should start the widget reset when reset was queued before init, without the identity given before it', () => {
    const win = page(['identify', { userId: 'u_1', token: 't' }], ['reset'], ['init', { siteKey: KEY }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    expect(calls).toEqual(['start pk_test_12345678', 'reset']);
  });

  it('should give the widget an identity queued after a queued reset', () => {
    const win = page(['reset'], ['identify', { userId: 'u_2', token: 't' }], ['init', { siteKey: KEY }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    expect(calls).toEqual(['start pk_test_12345678', 'reset', 'identify u_2']);
  });

  it('should start a widget made after destroy reset when reset came in between, and only that one', () => {
    const win = page(['init', { siteKey: KEY }], ['identify', { userId: 'u_1', token: 't' }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    const backstop = win.Backstop as BackstopGlobal;
    backstop('destroy');
    backstop('reset');
    backstop('open');
    backstop('destroy');
    backstop('open');
    expect(calls).toEqual(['start pk_test_12345678', 'identify u_1', 'destroy', 'start pk_test_12345678', 'reset', 'open', 'destroy', 'start pk_test_12345678', 'open']);
  });

  it('should replace the stub with a loaded function that runs calls at once', () => {
    const win = page(['init', { siteKey: KEY }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    const backstop = win.Backstop as BackstopGlobal;
    expect(backstop.loaded).toBe(true);
    backstop('close');
    expect(calls.at(-1)).toBe('close');
  });

  it('should do nothing when a second copy of the script loads', () => {
    const win = page(['init', { siteKey: KEY }]);
    const first = fakeStart();
    boot(win, null, first.start);
    const installed = win.Backstop;
    const second = fakeStart();
    boot(win, null, second.start);
    expect(win.Backstop).toBe(installed);
    expect(second.start).not.toHaveBeenCalled();
    expect(first.start).toHaveBeenCalledTimes(1);
  });

  it('should warn naming the bad field of init and not throw', () => {
    const win = page(['init', { siteKey: KEY, position: 'middle' }]);
    const { start } = fakeStart();
    expect(() => boot(win, null, start)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/'position'/);
    expect(start).toHaveBeenCalledWith(expect.objectContaining({ siteKey: KEY }));
  });

  it('should warn once naming siteKey when it is invalid', () => {
    const win = page(['init', { siteKey: 42 }]);
    const { start } = fakeStart();
    boot(win, null, start);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/'siteKey'/);
    expect(start).not.toHaveBeenCalled();
  });

  it('should warn when init gets something that is not an object', () => {
    boot(page(['init', 'pk_oops']), null, fakeStart().start);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/options object/);
  });

  it('should warn about an unknown command and keep going', () => {
    const win = page(['init', { siteKey: KEY }], ['explode', 1], ['open']);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/unknown command 'explode'/);
    expect(calls).toContain('open');
  });

  it('should not throw into the page when a command fails', () => {
    const win = page(['init', { siteKey: KEY }]);
    const { start } = fakeStart();
    start.mockImplementation(() => {
      throw new Error('boom');
    });
    expect(() => boot(win, null, start)).not.toThrow();
    expect(() => (win.Backstop as BackstopGlobal)('open')).not.toThrow();
    expect(warn).toHaveBeenCalled();
  });

  it('should start from the script tag with its site key and origin', () => {
    const { start } = fakeStart();
    boot(page(), script({ src: 'https://support.example.com/widget.js', 'data-site-key': KEY, 'data-agent-url': '/demo/agent' }), start);
    expect(start).toHaveBeenCalledWith({ siteKey: KEY, agentUrl: '/demo/agent', apiUrl: 'https://support.example.com' });
  });

  it('should merge queued init options into the script tag options before starting once', () => {
    const agent = async () => ({});
    const { start } = fakeStart();
    boot(page(['init', { agent, apiUrl: 'https://api.example.com' }]), script({ src: '/widget.js', 'data-site-key': KEY }), start);
    expect(start).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledWith({ siteKey: KEY, agent, apiUrl: 'https://api.example.com' });
  });

  it('should pass a later init to the running widget', () => {
    const win = page(['init', { siteKey: KEY }]);
    const { start, calls } = fakeStart();
    boot(win, null, start);
    (win.Backstop as BackstopGlobal)('init', { title: 'Help' });
    expect(calls.at(-1)).toBe('update title');
  });

  it('should warn when no site key is given anywhere', () => {
    const { start } = fakeStart();
    boot(page(), null, start);
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/site key/);
    expect(start).not.toHaveBeenCalled();
  });
});

describe('scriptOptions', () => {
  it('should drop a bad data attribute with a warning naming it', () => {
    expect(scriptOptions(script({ src: 'https://a.example/widget.js', 'data-site-key': KEY, 'data-position': 'top' }))).toEqual({
      siteKey: KEY,
      apiUrl: 'https://a.example',
    });
    expect(String(warn.mock.calls[0]?.join(' '))).toMatch(/'position'/);
  });
});
