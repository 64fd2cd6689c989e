/** Messages between the ingest bench (server side) and its forked load generator. */
import type { Summary } from './stats';

/** The website the bench's widgets claim to run on: the bench site allows it, as a customer's site allows its own origin. */
export const BENCH_ORIGIN = 'https://bench.example.com';

/** One seeded conversation and the clientEventIds of its agent messages, which feedback may rate. */
export interface PoolConversation {
  conversationId: string;
  conversationToken: string;
  agentMessageIds: string[];
}

export interface LoadSetup {
  type: 'setup';
  baseUrl: string;
  publicKey: string;
  pool: PoolConversation[];
  /** Each batch rates messages of one conversation (as one widget would send) instead of a random mix. */
  sameConversation: boolean;
}

/**
 * closed: `concurrency` clients each send a batch, wait for the answer, send the next.
 * open: requests leave on a fixed schedule whatever the answers do, so a slow answer cannot hold back
 * the next request and hide latency (coordinated omission); latency counts from the scheduled time.
 */
export type LoadPhase = PhaseTarget &
  (
    | { type: 'run'; name: string; mode: 'closed'; seconds: number; batchSize: number; concurrency: number }
    | { type: 'run'; name: string; mode: 'open'; seconds: number; batchSize: number; requestsPerSecond: number }
  );

/** Where a phase sends its requests, and in which of tRPC's two wire forms. */
export interface PhaseTarget {
  /** Another server than the one of `setup` (the bare route, the tRPC-adapter build). */
  baseUrl?: string;
  /** `batch`: `POST …?batch=1` with `{"0": input}`, as the widget's client sends; `plain` (default): the input as the body. */
  wire?: 'batch' | 'plain';
}

export interface PhaseResult {
  type: 'result';
  name: string;
  requests: number;
  /** Events the server acknowledged (stored or duplicate) in 200 answers. */
  events: number;
  errors: number;
  errorSamples: string[];
  elapsedMs: number;
  eventsPerSec: number;
  /** Request latency, ms: from the scheduled send time (open) or the actual send (closed). */
  latency: Summary;
}
