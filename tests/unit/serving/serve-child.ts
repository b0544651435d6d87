/**
 * The deployable server's entry (src/serving/container-entry.ts) as a child process, configured by
 * its environment, for tests that measure the server apart from the process that drives it. Started
 * with --expose-gc, it answers SIGUSR2 with a full collection and one stderr line of what is left
 * (`memory after gc: heapUsed <bytes> rss <bytes> external <bytes>`), so that a test can tell retained memory from
 * garbage not yet collected.
 */
import { runContainer } from '../../../src/serving/container-entry.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc)
  process.on('SIGUSR2', () => {
    gc();
    const { heapUsed, rss, external } = process.memoryUsage();
    process.stderr.write(`memory after gc: heapUsed ${heapUsed} rss ${rss} external ${external}\n`);
  });

process.exitCode = await runContainer(['serve']);
