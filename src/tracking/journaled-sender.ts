/**
 * A journaled sender: writes go to a durable {@link Outbox} first and are delivered afterwards (right
 * away when `autoSync` is on), so callers never wait on, or fail because of, an unreachable server.
 * It knows nothing of what the entries mean: a {@link Delivery} says how entries are ordered, grouped
 * and delivered, and what a delivery error means.
 *
 * Ordering: entries of one stream are delivered in journal order. An entry whose delivery throws
 * {@link NotReadyError} holds back the later entries of its stream (and of every stream waiting on it)
 * until the next pass.
 *
 * Thread safety: one instance serialises its own sends; instances in several processes sharing an
 * outbox folder take turns through the outbox's lock file.
 */
import path from 'node:path';
import { Outbox, type BlobSource, type OutboxEntry } from './outbox.js';

/** Thrown by a delivery when an entry needs something not on the server yet: keep it, try later. */
export class NotReadyError extends Error {}

/** What a delivery error means for the pass. */
export type DeliveryErrorKind =
  /** The server is unreachable: stop, keep everything, pause automatic sends for a while. */
  | 'unavailable'
  /** A setup problem (auth, configuration): stop and keep everything. */
  | 'stop'
  /** This entry is rejected for good: move it to `failed/` and go on. */
  | 'reject';

export interface Delivery<T> {
  /**
   * Streams of an entry: the first is its own (entries of one stream go in order); the others are
   * streams it waits on (held back while any of them is held).
   */
  streamsOf(entry: T): [string, ...string[]];
  /** True when consecutive entries of one stream like this one may be delivered together in one group. */
  batchable(entry: T): boolean;
  /** Delivers a group: one entry, or consecutive batchable entries of one stream. Throws to keep them. */
  deliver(group: OutboxEntry<T>[], outbox: Outbox<T>): Promise<void>;
  classify(error: unknown): DeliveryErrorKind;
  /** Short description of an entry for warnings, e.g. `a logEpoch write`. */
  describe(entry: T): string;
  /** What is delivered to, for warnings, e.g. `tracking server http://…`. */
  readonly target: string;
}

export interface JournaledSenderOptions<T> {
  outbox: Outbox<T>;
  delivery: Delivery<T>;
  /** Send immediately after journaling. @default true */
  autoSync?: boolean;
  /** Where warnings go (outage, rejected entries). */
  warn: (message: string) => void;
  /** How long an explicit `sync()` waits for another process's send to finish, in ms. @default 300000 */
  lockWaitMs?: number;
}

export interface SyncResult {
  /** Entries delivered by this call. */
  sent: number;
  /** Entries still waiting (server down, or waiting for an entry another process has not sent yet). */
  pending: number;
  /** Entries the server rejected for good so far (kept in `<outbox>/failed/`). */
  failed: number;
  /** Why sending stopped early, when it did (e.g. the server is unreachable). */
  error?: string;
}

/** Initial and longest pause of automatic sends after the server was found unreachable, in ms. */
const OUTAGE_BACKOFF_MS = { first: 5_000, max: 30_000 } as const;

export class JournaledSender<T> {
  readonly outbox: Outbox<T>;
  private readonly delivery: Delivery<T>;
  private readonly autoSync: boolean;
  private readonly warn: (message: string) => void;
  private readonly lockWaitMs: number;
  private running: Promise<SyncResult> | undefined;
  private queued: Promise<SyncResult> | undefined;
  private queuedExplicit = false;
  private autoPausedUntil = 0;
  private outageBackoffMs: number = OUTAGE_BACKOFF_MS.first;
  private outageReported = false;
  /** After an outage, the next automatic attempt: journaled writes go out once the server is back even if nothing new is written. */
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(options: JournaledSenderOptions<T>) {
    this.outbox = options.outbox;
    this.delivery = options.delivery;
    this.autoSync = options.autoSync ?? true;
    this.warn = options.warn;
    this.lockWaitMs = options.lockWaitMs ?? 300_000;
    // Left by an earlier process (killed, or stopped during an outage): send it now, in the background,
    // rather than when this process first writes — a restarted worker may write nothing for a while.
    if (this.autoSync && this.outbox.pendingCount() > 0) this.retryLater(0);
  }

  /** Journals an entry (blobs copied first), then sends if automatic sends are on and not paused. Never throws for the send. */
  async write(entry: T, blobs: BlobSource[] = []): Promise<void> {
    this.outbox.append(entry, { blobs });
    if (!this.autoSync || Date.now() < this.autoPausedUntil) return;
    try {
      await this.schedule(false);
    } catch (error) {
      // The write is journaled; a failed send must not fail the caller.
      this.warn(`sending journaled writes failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * Sends every pending entry (of every process sharing the outbox), oldest first. Never throws
   * because the server is down: it reports what is still pending and why.
   */
  sync(): Promise<SyncResult> {
    return this.schedule(true);
  }

  /** One send at a time per instance; calls arriving meanwhile share one follow-up send. */
  private schedule(explicit: boolean): Promise<SyncResult> {
    if (!this.running) {
      this.running = this.sendAll(explicit).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queuedExplicit ||= explicit;
    if (!this.queued) {
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          const queuedExplicit = this.queuedExplicit;
          this.queued = undefined;
          this.queuedExplicit = false;
          return this.schedule(queuedExplicit);
        });
    }
    return this.queued;
  }

  private async sendAll(explicit: boolean): Promise<SyncResult> {
    let sent = 0;
    let error: string | undefined;
    for (;;) {
      const release = await this.outbox.acquireLock({ waitMs: explicit ? this.lockWaitMs : 0 });
      // Another process is sending: it rechecks for new entries after releasing, ours included.
      if (!release) break;
      const seen = new Set<string>();
      let stopped = false;
      try {
        const pass = await this.sendPass(seen);
        sent += pass.sent;
        if (pass.stopError !== undefined) {
          stopped = true;
          error = this.noteFailure(pass.stopError, pass.outage);
        } else {
          this.noteSuccess();
        }
      } finally {
        release();
      }
      // Entries appended while we held the lock by processes that found it taken: send them too.
      if (stopped || this.outbox.pendingIds().every((id) => seen.has(id))) break;
    }
    return {
      sent,
      pending: this.outbox.pendingCount(),
      failed: this.outbox.failedCount(),
      ...(error ? { error } : {}),
    };
  }

  private noteFailure(error: unknown, outage: boolean): string {
    const message = error instanceof Error ? error.message : String(error);
    if (outage) {
      this.autoPausedUntil = Date.now() + this.outageBackoffMs;
      this.retryLater(this.outageBackoffMs);
      this.outageBackoffMs = Math.min(OUTAGE_BACKOFF_MS.max, this.outageBackoffMs * 2);
      if (!this.outageReported) {
        this.outageReported = true;
        this.warn(`${message} ${this.outbox.pendingCount()} write(s) are journaled in ${this.outbox.dir}.`);
      }
    } else {
      this.warn(message);
    }
    return message;
  }

  /** Tries again in `ms` (automatic sends only; unref'd, so it never keeps a process alive). */
  private retryLater(ms: number): void {
    if (!this.autoSync || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule(false).catch((error: unknown) =>
        this.warn(
          `sending journaled writes failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }, ms);
    this.retryTimer.unref();
  }

  /** Stops the automatic retry after an outage (what is journaled stays for the next process or `sync`). */
  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private noteSuccess(): void {
    if (this.outageReported) this.warn(`${this.delivery.target} is reachable again; journaled writes sent.`);
    this.outageReported = false;
    this.autoPausedUntil = 0;
    this.outageBackoffMs = OUTAGE_BACKOFF_MS.first;
  }

  /**
   * One pass over the pending entries in order. An entry that is not ready holds back the later
   * entries of its stream; an entry the server rejects moves to `failed/`; an unreachable server or a
   * setup error stops the pass.
   */
  private async sendPass(seen: Set<string>): Promise<{ sent: number; stopError?: unknown; outage: boolean }> {
    const entries: OutboxEntry<T>[] = [];
    for (const id of this.outbox.pendingIds()) {
      seen.add(id);
      const entry = this.outbox.read(id);
      if (entry) entries.push(entry);
    }
    const held = new Set<string>();
    const done = new Set<string>();
    let sent = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (done.has(entry.id)) continue;
      const streams = this.delivery.streamsOf(entry.body);
      const stream = streams[0];
      if (streams.some((s) => held.has(s))) continue;
      const group = [entry];
      if (this.delivery.batchable(entry.body)) {
        // Later batchable entries of the same stream, up to its next other entry, go in the same group.
        for (const later of entries.slice(i + 1)) {
          if (this.delivery.streamsOf(later.body)[0] !== stream) continue;
          if (!this.delivery.batchable(later.body)) break;
          group.push(later);
        }
      }
      try {
        await this.delivery.deliver(group, this.outbox);
        for (const member of group) {
          this.outbox.complete(member.id);
          done.add(member.id);
        }
        sent += group.length;
      } catch (error) {
        if (error instanceof NotReadyError) {
          held.add(stream);
        } else {
          const kind = this.delivery.classify(error);
          if (kind !== 'reject') return { sent, stopError: error, outage: kind === 'unavailable' };
          const reason = error instanceof Error ? error.message : String(error);
          for (const member of group) {
            this.outbox.fail(member.id, reason);
            done.add(member.id);
          }
          this.warn(
            `${this.delivery.describe(entry.body)} was rejected and moved to ${path.join(this.outbox.dir, 'failed')}: ${reason}`,
          );
        }
      }
      this.outbox.touchLock();
    }
    return { sent, outage: false };
  }
}
