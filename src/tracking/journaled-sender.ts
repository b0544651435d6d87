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
 * Batching: consecutive entries of one stream that the delivery says belong together go in one
 * group. Entries the delivery calls deferrable (per-epoch metrics) wait for the next flush, at most one
 * per flush interval, unless a non-deferrable entry of their stream (a trial's end) takes them along
 * earlier: a stream of many small writes costs a few requests, not one per write.
 *
 * Setup errors (the delivery's 'stop': auth, configuration) stop every pass until fixed; each is warned
 * once, and again only when the message changes or after a pass went through.
 *
 * Damaged entries: an entry whose file fails its checksum or format check (or holds nothing the delivery
 * can place) is moved to the outbox's `quarantine/` with the reason, warned about, counted in
 * {@link SyncResult}, and the pass goes on without it: it never holds back or stops the others.
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
  /** True when `next`, the following entry of the same stream, may join a group whose latest member is `last`. */
  joins(last: T, next: T): boolean;
  /**
   * True when the entry may wait for the next flush (automatic sends only) to go out with later ones.
   * A group made only of such entries is sent at most once per flush interval.
   */
  deferrable(entry: T): boolean;
  /** Delivers a group: one entry, or consecutive entries of one stream that join. Throws to keep them. */
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
  /** Automatic sends deliver groups of deferrable entries at most this often, in ms. @default 1000 */
  flushIntervalMs?: number;
}

export interface SyncResult {
  /** Entries delivered by this call. */
  sent: number;
  /** Entries still waiting (server down, or waiting for an entry another process has not sent yet). */
  pending: number;
  /** Entries the server rejected for good so far (kept in `<outbox>/failed/`). */
  failed: number;
  /**
   * Entries found damaged so far (bad checksum, cut short, unknown format, not an entry), kept as they
   * were found in `<outbox>/quarantine/` with the reason; absent when there are none.
   */
  quarantined?: number;
  /** Why sending stopped early, when it did (e.g. the server is unreachable). */
  error?: string;
}

/** When an automatic send found another process sending: how long until it looks again, in ms. */
const LOCK_RETRY_MS = 2_000;

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
  /** The last setup ('stop') message warned: a stuck setup error is said once, not once a pass. */
  private lastStopWarning: string | undefined;
  /** After an outage, the next automatic attempt: journaled writes go out once the server is back even if nothing new is written. */
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly flushIntervalMs: number;
  /** When deferred entries go out (0: none is waiting); the timer that sends them then. */
  private deferredFlushAt = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Writes of deferred entries waiting for the pass that takes their entry (by entry id). */
  private readonly waiting = new Map<string, () => void>();

  constructor(options: JournaledSenderOptions<T>) {
    this.outbox = options.outbox;
    this.delivery = options.delivery;
    this.autoSync = options.autoSync ?? true;
    this.warn = options.warn;
    this.lockWaitMs = options.lockWaitMs ?? 300_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    // Left by an earlier process (killed, or stopped during an outage): send it now, in the background,
    // rather than when this process first writes — a restarted worker may write nothing for a while.
    if (this.autoSync && this.outbox.pendingCount() > 0) this.retryLater(0);
  }

  /**
   * Journals an entry (blobs copied first), then sends if automatic sends are on and not paused, and
   * returns once the entry was sent or the send stopped. A deferrable entry waits for the next flush
   * (or an earlier send that takes it along). Never throws for the send.
   */
  async write(entry: T, blobs: BlobSource[] = []): Promise<void> {
    const id = this.outbox.append(entry, { blobs });
    if (!this.autoSync || Date.now() < this.autoPausedUntil) return;
    if (this.delivery.deferrable(entry)) {
      const taken = new Promise<void>((resolve) => this.waiting.set(id, resolve));
      this.deferFlush();
      return taken;
    }
    await this.send(false);
  }

  /** One automatic or explicit send; errors are warned, not thrown. */
  private async send(explicit: boolean): Promise<SyncResult | undefined> {
    try {
      return await this.schedule(explicit);
    } catch (error) {
      // The write is journaled; a failed send must not fail the caller.
      this.warn(`sending journaled writes failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /** Makes sure deferred entries go out at the next flush, at most one flush interval from now. */
  private deferFlush(): void {
    if (this.deferredFlushAt === 0) this.deferredFlushAt = Date.now() + this.flushIntervalMs;
    if (this.flushTimer) return;
    // Not unref'd: a write waits for this flush, and the process must live to make it.
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        void this.send(false);
      },
      Math.max(0, this.deferredFlushAt - Date.now()),
    );
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
    // Deferred entries go out with an explicit send, or once their flush is due.
    const flushDeferred = explicit || (this.deferredFlushAt !== 0 && Date.now() >= this.deferredFlushAt);
    if (flushDeferred) this.deferredFlushAt = 0;
    const deferred = new Set<string>();
    const considered = new Set<string>();
    let leftToAnother = false;
    try {
      for (let first = true; ; first = false) {
        const release = await this.outbox.acquireLock({ waitMs: explicit ? this.lockWaitMs : 0 });
        // Another process is sending: it rechecks for new entries after releasing, ours included.
        if (!release) {
          leftToAnother = first;
          break;
        }
        const seen = new Set<string>();
        let stopped = false;
        try {
          // Deferred entries written during the first pass wait for the next flush.
          const pass = await this.sendPass(seen, flushDeferred && first, deferred);
          for (const id of seen) considered.add(id);
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
    } finally {
      if (deferred.size > 0) this.deferFlush();
      // The holder rechecks after its send, but it may die first: look again a little later.
      if (leftToAnother && !explicit) this.retryLater(LOCK_RETRY_MS);
      // Writes whose entry this send took (or tried, or left to another process), or that another
      // process sent meanwhile, are done waiting.
      const pending = this.waiting.size > 0 ? new Set(this.outbox.pendingIds()) : new Set<string>();
      for (const [id, resolve] of this.waiting) {
        const done =
          error !== undefined ||
          leftToAnother ||
          !pending.has(id) ||
          (considered.has(id) && !deferred.has(id));
        if (!done) continue;
        this.waiting.delete(id);
        resolve();
      }
    }
    const quarantined = this.outbox.quarantinedCount();
    return {
      sent,
      pending: this.outbox.pendingCount(),
      failed: this.outbox.failedCount(),
      ...(quarantined > 0 ? { quarantined } : {}),
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
    } else if (message !== this.lastStopWarning) {
      this.lastStopWarning = message;
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

  /**
   * Stops the automatic retry after an outage and the wait for the next flush (what is journaled stays
   * for the next process or `sync`); writes still waiting return.
   */
  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
  }

  /** One warning per pass however many were damaged: where they are and what the first one had. */
  private warnQuarantined(found: { id: string; reason: string }[]): void {
    const first = found[0]!;
    const count =
      found.length === 1 ? 'a damaged journaled write' : `${found.length} damaged journaled writes`;
    this.warn(
      `${count} moved to ${path.join(this.outbox.dir, 'quarantine')} (kept, not sent; the others are sent): ` +
        `${first.id}: ${first.reason}${found.length > 1 ? ` (and ${found.length - 1} more, see their .reason files)` : ''}`,
    );
  }

  /** The delivery's description of an entry, or a plain one when the entry puzzles it. */
  private describe(body: T): string {
    try {
      return this.delivery.describe(body);
    } catch {
      return 'a write';
    }
  }

  private noteSuccess(): void {
    if (this.outageReported) this.warn(`${this.delivery.target} is reachable again; journaled writes sent.`);
    this.outageReported = false;
    this.lastStopWarning = undefined;
    this.autoPausedUntil = 0;
    this.outageBackoffMs = OUTAGE_BACKOFF_MS.first;
  }

  /**
   * One pass over the pending entries in order. An entry that is not ready holds back the later
   * entries of its stream; an entry the server rejects moves to `failed/`; an unreachable server or a
   * setup error stops the pass. Unless `flushDeferred`, a group of deferrable entries only waits
   * (holding back its stream), and its ids are added to `deferred`.
   */
  private async sendPass(
    seen: Set<string>,
    flushDeferred: boolean,
    deferred: Set<string>,
  ): Promise<{ sent: number; stopError?: unknown; outage: boolean }> {
    const entries: OutboxEntry<T>[] = [];
    const streamsOf = new Map<string, [string, ...string[]]>();
    // Damaged entries are moved aside (never deleted) and the others go on without them.
    const quarantined: { id: string; reason: string }[] = [];
    for (const id of this.outbox.pendingIds()) {
      seen.add(id);
      const read = this.outbox.readChecked(id);
      if (read.state === 'quarantined') quarantined.push(read);
      if (read.state !== 'ok') continue;
      // An intact file may still hold a write the delivery cannot place (an older entry whose bytes
      // changed, with no checksum to tell): it is set aside rather than stopping the pass.
      let streams: [string, ...string[]];
      try {
        streams = this.delivery.streamsOf(read.entry.body);
      } catch (error) {
        const reason = `it is not a write this release knows (${error instanceof Error ? error.message : String(error)})`;
        if (this.outbox.quarantine(id, reason)) quarantined.push({ id, reason });
        continue;
      }
      streamsOf.set(id, streams);
      entries.push(read.entry);
    }
    if (quarantined.length > 0) this.warnQuarantined(quarantined);
    // Each stream's entries in order, and how many of them are settled (delivered, failed or skipped).
    const ofStream = new Map<string, OutboxEntry<T>[]>();
    for (const entry of entries) {
      const own = streamsOf.get(entry.id)![0];
      const queue = ofStream.get(own);
      if (queue) queue.push(entry);
      else ofStream.set(own, [entry]);
    }
    const settled = new Map<string, number>();
    const held = new Set<string>();
    const done = new Set<string>();
    let sent = 0;
    for (const entry of entries) {
      if (done.has(entry.id)) continue;
      const streams = streamsOf.get(entry.id)!;
      const stream = streams[0];
      if (streams.some((s) => held.has(s))) continue;
      const queue = ofStream.get(stream)!;
      const start = settled.get(stream) ?? 0;
      const group = [entry];
      // Later entries of the same stream go in the same group while they join it.
      for (const later of queue.slice(start + 1)) {
        if (!this.delivery.joins(group[group.length - 1]!.body, later.body)) break;
        group.push(later);
      }
      settled.set(stream, start + group.length);
      // Deferred only while nothing else of its stream waits behind it.
      const behind = start + group.length < queue.length;
      if (!flushDeferred && !behind && group.every((member) => this.delivery.deferrable(member.body))) {
        held.add(stream);
        for (const member of group) deferred.add(member.id);
        continue;
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
            `${this.describe(entry.body)} was rejected and moved to ${path.join(this.outbox.dir, 'failed')}: ${reason}`,
          );
        }
      }
      this.outbox.touchLock();
    }
    return { sent, outage: false };
  }
}
