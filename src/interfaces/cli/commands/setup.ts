/** `seedsweep setup`: installs the embedded servers and the native TensorFlow backend into the per-user cache. */
import type { Command } from 'commander';
import { CommandVerdict } from '../output.js';

export function register(program: Command): void {
  program
    .command('setup')
    .description(
      'Install what the embedded default needs into the per-user cache (SEEDSWEEP_CACHE_DIR, default ~/.cache/seedsweep): temporal and mlflow from PyPI, and the native TensorFlow backend. Safe to run again.',
    )
    .option(
      '--no-native',
      'skip the native TensorFlow backend (training then uses wasm); same as SEEDSWEEP_NATIVE_TF=0',
    )
    .addHelpText(
      'after',
      `
Exits 1 when the servers could not be installed; a native backend that did not build only means training on wasm.
SEEDSWEEP_GPU=1 builds the CUDA backend (on a host with an NVIDIA GPU and its driver).`,
    )
    .action(async (flags: { native?: boolean }) => {
      const { runSetup } = await import('../../setup/run-setup.js');
      const result = await runSetup({ skipNative: flags.native === false });
      if (!result.serversReady) throw new CommandVerdict(1, 'the embedded servers could not be installed');
    });
}
