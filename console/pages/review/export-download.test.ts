import { describe, expect, it, vi } from 'vitest';
import { attachmentName, exportHint, fetchExport } from './export-download';

const respond = (body: string, init: ResponseInit) => vi.fn(async () => new Response(body, init)) as unknown as typeof fetch;

describe('fetchExport', () => {
  it('should return the dataset with the name the server gave it', async () => {
    const result = await fetchExport(
      '/review/export?siteId=x',
      respond('{"caseId":"1"}\n', { status: 200, headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': 'attachment; filename="backstop-cases-2026-12-05.jsonl"' } }),
    );
    expect(result).toMatchObject({ ok: true, filename: 'backstop-cases-2026-12-05.jsonl' });
    expect(result.ok && (await result.blob.text())).toBe('{"caseId":"1"}\n');
  });

  it.each([
    [401, { error: { message: 'Sign in to the console first.' } }, 'Sign in to the console first.'],
    [400, { error: { message: 'The export filters are not valid.', data: { fields: { from: 'Invalid ISO datetime' } } } }, 'The export filters are not valid. (from: Invalid ISO datetime)'],
    [404, { error: { message: "No site with id 'x'." } }, "No site with id 'x'."],
  ])("should show the server's message for a %i instead of saving it", async (status, body, message) => {
    expect(await fetchExport('/review/export', respond(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }))).toEqual({ ok: false, message });
  });

  it('should name the status of a failure without a JSON message', async () => {
    expect(await fetchExport('/review/export', respond('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } }))).toEqual({
      ok: false,
      message: 'The server answered 502 Bad Gateway.',
    });
  });

  it('should refuse a success that is not the dataset (an HTML page from a proxy)', async () => {
    const result = await fetchExport('/review/export', respond('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    expect(result).toEqual({ ok: false, message: 'The server did not send the dataset (it sent text/html).' });
  });

  it('should say when the server cannot be reached', async () => {
    const down = vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch;
    expect(await fetchExport('/review/export', down)).toMatchObject({ ok: false, message: expect.stringContaining('could not be reached') });
  });
});

describe('attachmentName', () => {
  it('should read the file name, without any folder', () => {
    expect(attachmentName('attachment; filename="cases.jsonl"')).toBe('cases.jsonl');
    expect(attachmentName('attachment; filename=cases.jsonl')).toBe('cases.jsonl');
    expect(attachmentName('attachment; filename="../../etc/cases.jsonl"')).toBe('cases.jsonl');
    expect(attachmentName(null)).toBeNull();
    expect(attachmentName('attachment')).toBeNull();
  });
});

describe('exportHint', () => {
  it('should say drafts corrections come along exactly when no case-only filter is set', () => {
    expect(exportHint({})).toContain('plus drafts reviewers edited or rejected');
    expect(exportHint({ topic: 'billing' })).toContain('plus drafts reviewers edited or rejected');
    expect(exportHint({ mode: 'tool_failure' })).not.toContain('drafts');
    expect(exportHint({ topic: 'billing', label: 'human' })).not.toContain('drafts');
  });
});
