/**
 * Seeds a Review-sized PostgreSQL schema with SQL alone (INSERT … SELECT over generate_series), so a
 * million feedback items take minutes, not hours: one site, conversations of four rated answers, each
 * answer with its user question, feedback item, trace summary and spans, 3% of them escalated (with the
 * escalation, a person's reply and an escalation case), and a case per feedback item. Distributions:
 * confidence skewed high (√U, 5% without one), helpful with probability 0.6 + 0.37·confidence (about
 * 15% Not helpful), 12 topics (skewed), 8 releases over time, 3 models, failure modes 30/25/15/10/5/15%,
 * 5% of negatives labelled by a reviewer. Times spread evenly over the 90 days before `now`.
 */
import type pg from 'pg';

export const SEED_DAYS = 90;
const TURNS = 4;

/** Uniform [0, 1) from the item number and a salt: deterministic, so reruns seed the same data. */
const u = (salt: number) => `((hashint4((i * 37 + ${salt})::int)::bigint & 1073741823)::float8 / 1073741824)`;

export interface SeedResult {
  siteId: string;
  now: Date;
  rows: Record<string, number>;
  seconds: Record<string, number>;
}

/** Seeds `items` feedback items into the (migrated, empty) schema the client's search path points at. */
export async function seedReview(client: pg.ClientBase, items: number, log: (line: string) => void): Promise<SeedResult> {
  const now = new Date();
  const seconds: Record<string, number> = {};
  const step = async (name: string, text: string, params: unknown[] = []) => {
    const started = performance.now();
    const table = /^\s*insert into (\w+)/i.exec(text)?.[1];
    if (table) await withoutIndexes(client, table, () => client.query(text, params));
    else await client.query(text, params);
    seconds[name] = (performance.now() - started) / 1000;
    log(`  seeded ${name} in ${seconds[name]!.toFixed(1)} s`);
  };
  await client.query(`set synchronous_commit = off`);
  await client.query(`set maintenance_work_mem = '256MB'`);
  const { rows } = await client.query<{ id: string }>(
    `insert into sites (name, public_key, ingest_key_hash, allowed_origins, policy)
     values ('Bench', 'pk_bench_' || md5(random()::text), 'x', '["https://bench.example.com"]',
       '{"thresholds":{"high":0.8,"low":0.5},"title":"Support","greeting":"Hi"}') returning id`,
  );
  const siteId = rows[0]!.id;
  const conversations = Math.ceil(items / TURNS);
  const spacing = (SEED_DAYS * 86400) / conversations;

  // The attributes of every item, computed once; each table is then filled from it.
  await step(
    'items (staging)',
    `create unlogged table seed_items as
     with base as (
       select i, (i - 1) / ${TURNS} as conv, (i - 1) % ${TURNS} as turn,
         ${u(1)} as u_topic, ${u(2)} as u_model, ${u(3)} as u_noconf, ${u(4)} as u_conf, ${u(5)} as u_rating,
         ${u(6)} as u_mode, ${u(7)} as u_label, ${u(8)} as u_agree
       from generate_series(1, $1::int) as i
     ), shaped as (
       select *, $2::timestamptz - interval '${SEED_DAYS} days' + (conv * $3::float8 + turn * 40) * interval '1 second' as asked_at,
         (array['billing','refunds','account','shipping','tax','login','invoices','plans','api','security','returns','other'])[1 + floor(power(u_topic, 1.6) * 12)::int] as topic,
         '2026.' || (1 + ((i - 1) * 8) / $1::int) as release,
         case when u_model < 0.5 then 'gpt-4o' when u_model < 0.8 then 'gpt-4o-mini' else 'claude-sonnet-4' end as model,
         case when u_noconf < 0.05 then null else round(sqrt(u_conf)::numeric, 3)::real end as confidence,
         i % 33 = 0 as escalated
       from base
     ), rated as (
       select *, u_rating < 0.6 + 0.37 * coalesce(confidence, 0.6) as helpful from shaped
     )
     select i, conv, turn, asked_at, asked_at + interval '10 seconds' as answered_at, asked_at + interval '15 seconds' as rated_at,
       topic, release, model, confidence, helpful, escalated, (not helpful or escalated) as negative,
       case when not helpful or escalated then
         case when u_mode < 0.30 then 'tool_failure' when u_mode < 0.55 then 'hallucination' when u_mode < 0.70 then 'context_drift'
              when u_mode < 0.80 then 'instruction_drift' when u_mode < 0.85 then 'adversarial_input' else 'unknown' end
       end as auto_mode,
       (not helpful or escalated) and u_label < 0.05 as labelled, u_agree < 0.8 as agreed,
       md5('c' || conv)::uuid as conversation_id, md5('u' || i)::uuid as question_id, md5('a' || i)::uuid as answer_id,
       md5('f' || i)::uuid as feedback_id, md5('e' || i)::uuid as escalation_id, md5('t' || i) as trace_id
     from rated`,
    [items, now, spacing],
  );
  await client.query(`analyze seed_items`);
  await step(
    'conversations',
    `insert into conversations (id, site_id, token_hash, created_at)
     select conversation_id, $1::uuid, 'x', asked_at from seed_items where turn = 0`,
    [siteId],
  );
  await step(
    'messages',
    `insert into messages (id, site_id, conversation_id, client_event_id, role, text, answer_id, confidence, trace_id, span_id, topic, body_hash, sent_at, created_at)
     select question_id, $1::uuid, conversation_id, question_id, 'user', 'Question ' || i || ': how do I sort out my ' || topic || '?', null, null, null, null, null, 'x', asked_at, asked_at
     from seed_items
     union all
     select answer_id, $1::uuid, conversation_id, answer_id, 'agent', 'Here is what to do about your ' || topic || ' (answer ' || i || ').', 'ans-' || i, confidence,
       trace_id, substr(trace_id, 1, 16), topic, 'x', answered_at, answered_at
     from seed_items
     union all
     select md5('h' || i)::uuid, $1::uuid, conversation_id, md5('h' || i)::uuid, 'human', 'A person here: sorry about that, I have fixed your ' || topic || '.', null, null, null, null, null, 'x',
       rated_at + interval '1 minute', rated_at + interval '1 minute'
     from seed_items where escalated`,
    [siteId],
  );
  await step(
    'feedback',
    `insert into feedback (id, site_id, conversation_id, message_id, client_event_id, rating, reasons, comment, trace_id, confidence, topic, body_hash, sent_at, created_at)
     select feedback_id, $1::uuid, conversation_id, answer_id, feedback_id, case when helpful then 1 else -1 end,
       case when helpful then '[]'::jsonb else '["wrong"]'::jsonb end, case when not helpful and i % 3 = 0 then 'That is not right.' end,
       trace_id, confidence, topic, 'x', rated_at, rated_at
     from seed_items`,
    [siteId],
  );
  await step(
    'traces',
    `insert into traces (site_id, trace_id, started_at, summary, model, release, topic, updated_at)
     select $1::uuid, trace_id, asked_at + interval '1 second', jsonb_build_object(
         'spanCount', case when i % 5 < 2 then 3 else 2 end, 'errorCount', case when auto_mode = 'tool_failure' then 1 else 0 end,
         'durationMs', 2400, 'model', model, 'llmCalls', 1, 'inputTokens', 800 + i % 3000, 'outputTokens', 60 + i % 400,
         'context', null, 'systemPromptTokens', 350,
         'tools', case when i % 5 < 2 then jsonb_build_array(jsonb_build_object('name', 'orders.lookup', 'spanId', substr(trace_id, 17, 16),
           'status', case when auto_mode = 'tool_failure' then 'error' else 'ok' end, 'error', case when auto_mode = 'tool_failure' then 'timeout' end,
           'attempts', case when auto_mode = 'tool_failure' then 2 else 1 end, 'durationMs', 900)) else '[]'::jsonb end,
         'retrieval', null, 'confidence', confidence, 'topic', topic, 'release', release,
         'errorSpanId', case when auto_mode = 'tool_failure' then substr(trace_id, 17, 16) end),
       model, release, topic, rated_at
     from seed_items`,
    [siteId],
  );
  await step(
    'spans',
    `insert into spans (site_id, trace_id, span_id, parent_span_id, name, kind, start_time, duration_ms, status_code, status_message, operation, model, tool_name, error_type, input_tokens, output_tokens, attributes, events)
     select $1::uuid, trace_id, substr(trace_id, 1, 16), null, 'agent', 2, asked_at + interval '1 second', 2400, 0, null, null, null, null, null, null, null,
       jsonb_build_object('backstop.topic', topic, 'backstop.release', release), '[]'::jsonb
     from seed_items
     union all
     select $1::uuid, trace_id, substr(trace_id, 9, 16), substr(trace_id, 1, 16), 'chat ' || model, 3, asked_at + interval '2 seconds', 1200, 1, null, 'chat', model, null, null,
       800 + i % 3000, 60 + i % 400, jsonb_build_object('gen_ai.request.model', model), '[]'::jsonb
     from seed_items
     union all
     select $1::uuid, trace_id, substr(trace_id, 17, 16), substr(trace_id, 1, 16), 'execute_tool orders.lookup', 3, asked_at + interval '1100 milliseconds', 900,
       case when auto_mode = 'tool_failure' then 2 else 1 end, case when auto_mode = 'tool_failure' then 'timeout' end, 'execute_tool', null, 'orders.lookup',
       case when auto_mode = 'tool_failure' then 'timeout' end, null, null, jsonb_build_object('gen_ai.tool.name', 'orders.lookup'), '[]'::jsonb
     from seed_items where i % 5 < 2`,
    [siteId],
  );
  await step(
    'escalations',
    `insert into escalations (id, site_id, conversation_id, trigger, note, status, outcome, created_at, claimed_at, first_human_reply_at, resolved_at)
     select escalation_id, $1::uuid, conversation_id, 'user', 'I need a person', 'resolved', case when helpful then 'resolved' else 'agent_was_wrong' end,
       rated_at + interval '5 seconds', rated_at + interval '30 seconds', rated_at + interval '1 minute', rated_at + interval '5 minutes'
     from seed_items where escalated`,
    [siteId],
  );
  const rationale = `case auto_mode
      when 'tool_failure' then 'tool ' || chr(96) || 'orders.lookup' || chr(96) || ' failed with timeout after 2 attempts'
      when 'hallucination' then 'confidence ' || coalesce(confidence::text, 'unknown') || ' and no retrieval: answered without sources'
      when 'context_drift' then 'context at 91% of the window after 14 turns'
      when 'instruction_drift' then 'the user asked for one sentence; the answer has 6'
      when 'adversarial_input' then 'the question contains an instruction override'
      else 'no trace evidence' end`;
  const caseColumns = `site_id, source, source_id, conversation_id, message_id, trace_id, occurred_at, rating, reasons, comment, confidence, topic, release, model,
    escalated, outcome, negative, auto_mode, auto_modes, auto_confidence, rationale, evidence_span_id, human_mode, human_note, labelled_by, labelled_at, classified_at, created_at`;
  const verdicts = `case when auto_mode is not null then jsonb_build_array(jsonb_build_object('mode', auto_mode, 'confidence', 0.8, 'rationale', ${rationale},
      'spanId', case when auto_mode = 'tool_failure' then substr(trace_id, 17, 16) end, 'rule', auto_mode)) end`;
  const human = `case when labelled then case when agreed then auto_mode else 'unknown' end end`;
  await step(
    'cases',
    `insert into cases (${caseColumns})
     select $1::uuid, 'feedback', feedback_id, conversation_id, answer_id, trace_id, rated_at, case when helpful then 1 else -1 end,
       case when helpful then '[]'::jsonb else '["wrong"]'::jsonb end, case when not helpful and i % 3 = 0 then 'That is not right.' end,
       confidence, topic, release, model, escalated, case when escalated then case when helpful then 'resolved' else 'agent_was_wrong' end end,
       negative, auto_mode, ${verdicts}, case when auto_mode is not null then 0.8 end, case when auto_mode is not null then ${rationale} end,
       case when auto_mode = 'tool_failure' then substr(trace_id, 17, 16) end, ${human}, null::text, null::uuid,
       case when labelled then rated_at + interval '1 day' end, case when negative then rated_at + interval '2 seconds' end, rated_at
     from seed_items
     union all
     select $1::uuid, 'escalation', escalation_id, conversation_id, answer_id, trace_id, rated_at + interval '5 seconds', null, '[]'::jsonb, null,
       confidence, topic, release, model, true, case when helpful then 'resolved' else 'agent_was_wrong' end,
       true, auto_mode, ${verdicts}, 0.8, ${rationale}, null, ${human}, null::text, null::uuid, case when labelled then rated_at + interval '1 day' end,
       rated_at + interval '7 seconds', rated_at + interval '5 seconds'
     from seed_items where escalated`,
    [siteId],
  );
  await client.query(`drop table seed_items`);
  const started = performance.now();
  for (const table of ['conversations', 'messages', 'feedback', 'traces', 'spans', 'escalations', 'cases']) await client.query(`vacuum analyze ${table}`);
  seconds['vacuum analyze'] = (performance.now() - started) / 1000;
  log(`  vacuum analyze in ${seconds['vacuum analyze']!.toFixed(1)} s`);
  const counts: Record<string, number> = {};
  for (const table of ['conversations', 'messages', 'feedback', 'traces', 'spans', 'escalations', 'cases'])
    counts[table] = Number((await client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n);
  return { siteId, now, rows: counts, seconds };
}

/**
 * Runs a bulk insert with the table's plain indexes dropped, then builds them again from their own
 * definitions (the schema ends up exactly as migrated): building an index once after the load is several
 * times faster than updating it row by row. Indexes behind constraints (primary keys, unique) stay.
 */
async function withoutIndexes(client: pg.ClientBase, table: string, load: () => Promise<unknown>): Promise<void> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `select indexname as name, indexdef as definition from pg_indexes
     where schemaname = current_schema() and tablename = $1
       and indexname not in (select conname from pg_constraint where conrelid = $1::regclass)`,
    [table],
  );
  for (const r of rows) await client.query(`drop index "${r.name}"`);
  await load();
  for (const r of rows) await client.query(r.definition);
}
