/**
 * `GET /review/export?siteId=…&…`: the console's "Export" download, the eval dataset of the case list's
 * filters as JSONL (the same code as `backstop export cases`). A plain route rather than a tRPC query so
 * that the browser can stream it to a file with a link; it is authenticated by the staff session cookie
 * and checked like Review's procedures (reviewers and admins of the site). A GET changes nothing, and the
 * cookie is SameSite=Strict, so no CSRF header is needed.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { caseFilterInput, type EvalCase } from '../shared/review';
import { SESSION_COOKIE } from './context';
import type { Db } from './db/client';
import { exportCases, formatEvalCase } from './domain/case-export';
import { FieldError } from './domain/errors';
import { resolveRange, type ResolvedRange } from './domain/review-queries';
import { sessionStaff } from './domain/sessions';
import { assertReviewAccess } from './domain/staff-access';
import { trpcShapedError } from './http-errors';
import { flattenIssues } from './trpc';

const STATUS = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413 } as const;

/** Query-string values are text: `escalated=true|false` becomes a boolean, anything else stays for zod to refuse. */
function filterFromQuery(query: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string' || value === '') continue;
    out[key] = key === 'escalated' && (value === 'true' || value === 'false') ? value === 'true' : value;
  }
  return out;
}

export const reviewExportRoute: FastifyPluginAsync<{ db: Db }> = async (app, opts) => {
  app.get('/review/export', async (req, reply) => {
    const sessionId = req.cookies?.[SESSION_COOKIE];
    const staff = sessionId ? await sessionStaff(opts.db, sessionId) : null;
    if (!staff) return reply.code(401).send(trpcShapedError(401, 'UNAUTHORIZED', 'Sign in to the console first.'));
    const parsed = caseFilterInput.safeParse(filterFromQuery(req.query as Record<string, unknown>));
    if (!parsed.success) {
      const body = trpcShapedError(400, 'BAD_REQUEST', 'The export filters are not valid.');
      return reply.code(400).send({ error: { ...body.error, data: { ...body.error.data, fields: flattenIssues(parsed.error) } } });
    }
    const filter = parsed.data;
    let range: ResolvedRange;
    try {
      assertReviewAccess(staff, filter.siteId);
      range = resolveRange(filter);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      return reply.code(STATUS[err.code]).send(trpcShapedError(STATUS[err.code], err.code, err.message));
    }
    const { siteId, from: _from, to: _to, ...rest } = filter;
    const pages = exportCases(opts.db, { ...rest, siteId, since: range.from, until: range.to });
    // The first page is read before any header goes out: a failure there (the database) becomes the error
    // handler's JSON 500, never a 200 attachment the browser would save as a .jsonl file. A failure later,
    // mid-stream, aborts the response, so the download fails rather than ending short.
    const first = await pages.next();
    const jsonl = (page: EvalCase[]) => page.map((c) => formatEvalCase(c, 'jsonl') + '\n').join('');
    async function* lines() {
      if (first.done) return;
      yield jsonl(first.value);
      for await (const page of pages) yield jsonl(page);
    }
    const day = range.to.toISOString().slice(0, 10);
    // content-disposition only here, on success: every refusal above is JSON with its status and no attachment.
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="backstop-cases-${day}.jsonl"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines()));
  });
};
