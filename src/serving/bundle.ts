/**
 * The deployable bundle `seedsweep package` writes: the model, a one-file server (`server.mjs`, the
 * serving code bundled by esbuild with npm packages left external), a `package.json` pinning those
 * packages to the versions seedsweep was tested with, a `serve` entry and a Dockerfile following the
 * SageMaker serving contract (`serve` on PATH, port 8080, model in /opt/ml/model), and `model.tar.gz`
 * (the model files at the archive root, what SageMaker's `ModelDataUrl` expects).
 */
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import * as tar from 'tar';
import { UserError } from '../core/common/errors.js';
import { PACKAGE_ROOT } from '../core/common/paths.js';
import { MODEL_FILES, MODEL_MANIFEST_FORMAT, type AnyModelManifest } from '../training/model-io.js';
import { imageInputFor } from './served-model.js';
import { DEFAULT_PORT } from './server.js';

/** Files of a bundle, relative to its folder. */
export const BUNDLE_FILES = {
  model: 'model',
  modelArchive: 'model.tar.gz',
  server: 'server.mjs',
  serve: 'serve',
  packageJson: 'package.json',
  dockerfile: 'Dockerfile',
  readme: 'README.md',
} as const;

/** Options of {@link writeDeployBundle}. */
export interface WriteDeployBundleOptions {
  /** A model folder that loads (model.json, weights.bin, manifest.json). */
  modelDir: string;
  /** Its manifest, of either format (the bundled server serves both). */
  manifest: AnyModelManifest;
  /** Bundle folder to create. Must not exist, or be empty, unless `force`. */
  outDir: string;
  /** Replace a non-empty `outDir`. @default false */
  force?: boolean;
  /** Where the model came from, for the bundle's README (e.g. `MLflow run 3f2a…`). */
  source?: string;
  /** Node.js base image of the Dockerfile. @default 'node:20-bookworm-slim' */
  baseImage?: string;
}

/** What was written. */
export interface DeployBundle {
  dir: string;
  /** npm packages `server.mjs` imports, with the exact versions pinned in package.json. */
  dependencies: Record<string, string>;
  /** Size of `server.mjs` in bytes. */
  serverBytes: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Writes the bundle into a temporary sibling folder, then renames it into place. */
export async function writeDeployBundle(options: WriteDeployBundleOptions): Promise<DeployBundle> {
  const outDir = path.resolve(options.outDir);
  const existing = await readdir(outDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing && existing.length > 0 && !options.force) {
    throw new UserError(
      'E_OUT_EXISTS',
      `${outDir} already exists and is not empty; choose another --out folder or pass --force to replace it`,
    );
  }
  await mkdir(path.dirname(outDir), { recursive: true });
  const tmp = path.join(
    path.dirname(outDir),
    `.${path.basename(outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await mkdir(path.join(tmp, BUNDLE_FILES.model), { recursive: true });
    for (const file of Object.values(MODEL_FILES)) {
      await copyFile(path.join(options.modelDir, file), path.join(tmp, BUNDLE_FILES.model, file));
    }
    await tar.create(
      {
        gzip: true,
        portable: true,
        file: path.join(tmp, BUNDLE_FILES.modelArchive),
        cwd: path.join(tmp, BUNDLE_FILES.model),
      },
      Object.values(MODEL_FILES),
    );
    const dependencies = await bundleServer(path.join(tmp, BUNDLE_FILES.server));
    await writeFile(
      path.join(tmp, BUNDLE_FILES.packageJson),
      `${JSON.stringify(bundlePackageJson(dependencies), null, 2)}\n`,
    );
    await writeFile(path.join(tmp, BUNDLE_FILES.serve), SERVE_SCRIPT);
    await chmod(path.join(tmp, BUNDLE_FILES.serve), 0o755);
    await writeFile(
      path.join(tmp, BUNDLE_FILES.dockerfile),
      dockerfile(options.baseImage ?? 'node:20-bookworm-slim'),
    );
    await writeFile(path.join(tmp, BUNDLE_FILES.readme), readme(options.manifest, options.source));
    const serverBytes = (await stat(path.join(tmp, BUNDLE_FILES.server))).size;
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
    return { dir: outDir, dependencies, serverBytes };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Bundles src/serving/container-entry.ts into one ESM file; returns its npm imports pinned to installed versions. */
async function bundleServer(outfile: string): Promise<Record<string, string>> {
  const result = await esbuild.build({
    stdin: {
      // `.js` resolves to the `.ts` source when running from source, to the compiled file from dist/.
      contents:
        "import { runContainer } from './container-entry.js';\nprocess.exitCode = await runContainer(process.argv.slice(2));\n",
      resolveDir: here,
      sourcefile: 'bundle-main.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    banner: { js: '// seedsweep inference server (generated by `seedsweep package`; do not edit).' },
  });
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const rootPackage = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const required = new Set(Object.keys(rootPackage.dependencies ?? {}));
  const requireFromRoot = createRequire(path.join(PACKAGE_ROOT, 'package.json'));
  const dependencies: Record<string, string> = {};
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || builtins.has(imported.path)) continue;
      const name = packageName(imported.path);
      // Only seedsweep's required dependencies: the optional native TF.js backends are imported
      // dynamically and may be absent (their install downloads libtensorflow); the server falls back.
      if (dependencies[name] || !required.has(name)) continue;
      const manifest = JSON.parse(
        await readFile(requireFromRoot.resolve(`${name}/package.json`), 'utf8'),
      ) as { version: string };
      dependencies[name] = manifest.version;
    }
  }
  return Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function bundlePackageJson(dependencies: Record<string, string>) {
  return {
    name: 'seedsweep-inference-server',
    private: true,
    type: 'module',
    description: 'seedsweep model server (SageMaker serving contract), generated by `seedsweep package`',
    engines: { node: '>=20.19' },
    bin: { serve: './serve' },
    scripts: { start: 'node server.mjs serve' },
    dependencies,
  };
}

const SERVE_SCRIPT = `#!/bin/sh
# SageMaker starts inference containers as \`docker run <image> serve\`.
exec node "$(dirname "$0")/server.mjs" serve "$@"
`;

function dockerfile(baseImage: string): string {
  return `# Generated by \`seedsweep package\`. Follows the SageMaker inference contract: the container is run
# with the argument \`serve\`, listens on port ${DEFAULT_PORT}, answers GET /ping and POST /invocations, and
# reads the model from /opt/ml/model (SageMaker unpacks model.tar.gz there; the model is also baked in
# below so the image runs on any container host). Not built in seedsweep's CI.
FROM ${baseImage}
ENV NODE_ENV=production
WORKDIR /opt/program
COPY package.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY server.mjs serve ./
RUN chmod 0755 serve
COPY model/ /opt/ml/model/
ENV PATH="/opt/program:$PATH" SEEDSWEEP_MODEL_DIR=/opt/ml/model SEEDSWEEP_HOST=0.0.0.0
EXPOSE ${DEFAULT_PORT}
USER node
CMD ["serve"]
`;
}

function readme(manifest: AnyModelManifest, source: string | undefined): string {
  const accuracy = manifest.metrics?.['testAccuracy'];
  const { inputs, curl } = describeRequests(manifest);
  const classes = manifest.classNames ? `Classes: ${manifest.classNames.join(', ')}\n` : '';
  return `# seedsweep model bundle

Model: ${manifest.model ?? 'unknown architecture'}${manifest.modelOptions ? ` ${JSON.stringify(manifest.modelOptions)}` : ''}${manifest.seed !== undefined ? `, seed ${manifest.seed}` : ''}
${source ? `Source: ${source}\n` : ''}${manifest.trialKey ? `Trial key: ${manifest.trialKey}\n` : ''}${accuracy !== undefined ? `Final test accuracy: ${accuracy.toFixed(4)}\n` : ''}${classes}${inputs}
${manifest.synthetic ? '\n**This model was trained on SYNTHETIC data: its predictions mean nothing for real data.**\n' : ''}
## Files

- \`model/\`: model.json + weights.bin (TF.js layers format) and manifest.json (input signature, class names, preprocessing, provenance)
- \`model.tar.gz\`: the same files at the archive root, for SageMaker's \`ModelDataUrl\`
- \`server.mjs\`, \`serve\`, \`package.json\`: the inference server (\`npm install --omit=dev\`, then \`./serve\`)
- \`Dockerfile\`: an image following the SageMaker serving contract (port ${DEFAULT_PORT}, \`serve\`, /opt/ml/model)

## Run

    docker build -t seedsweep-model .
    docker run --rm -p ${DEFAULT_PORT}:${DEFAULT_PORT} seedsweep-model
    curl localhost:${DEFAULT_PORT}/ping
    curl localhost:${DEFAULT_PORT}/model          # inputs, outputs, limits
    ${curl}

Without Docker: \`npm install --omit=dev && SEEDSWEEP_MODEL_DIR=model ./serve\`. See seedsweep's docs/deploy.md.
`;
}

/** The README's lines on what a request holds, and an example request. */
function describeRequests(manifest: AnyModelManifest): { inputs: string; curl: string } {
  const json = (body: string) =>
    `curl -H 'Content-Type: application/json' -d '${body}' localhost:${DEFAULT_PORT}/invocations`;
  if (manifest.format === MODEL_MANIFEST_FORMAT) {
    const scale = manifest.preprocessing.scale;
    return {
      inputs: `Input: ${manifest.inputShape[1]}×${manifest.inputShape[0]} RGB images, pixel values 0–255 (PNG, JPEG, or JSON {"instances": [...]}); the server scales them by ${Math.abs(scale - 1 / 255) < 1e-12 ? '1/255' : scale}${manifest.preprocessing.offset ? ` and adds ${manifest.preprocessing.offset}` : ''} as in training.`,
      curl: `curl -H 'Content-Type: image/png' --data-binary @cat.png localhost:${DEFAULT_PORT}/invocations`,
    };
  }
  const { inputs } = manifest.signature;
  const shape = (s: readonly (number | null)[]) => `[${s.map((d) => d ?? '?').join('×')}]`;
  const lines = inputs.map(
    (input) => `- \`${input.name}\`: ${shape(input.shape)} ${input.dtype} per example`,
  );
  const p = manifest.preprocessing;
  const preprocessing =
    p?.kind === 'scale'
      ? `The server applies the training preprocessing ${JSON.stringify(p)} (x × scale + offset) to float32 inputs: send raw values.`
      : p && p.kind !== 'none'
        ? `The preprocessing ${JSON.stringify(p)} is descriptive: send inputs already preprocessed.`
        : 'Inputs are fed to the model as sent.';
  // A zero-filled example for small inputs; a placeholder for large ones.
  const example = (s: readonly (number | null)[]): string =>
    s.length === 0 ? '0' : `[${Array.from({ length: s[0] ?? 1 }, () => example(s.slice(1))).join(', ')}]`;
  const small = inputs.every((input) => input.shape.reduce<number>((n, d) => n * (d ?? 1), 1) <= 32);
  const body =
    inputs.length === 1
      ? `{"instances": [${small ? example(inputs[0]!.shape) : '…'}]}`
      : `{"instances": [{${inputs.map((input) => `"${input.name}": ${small ? example(input.shape) : '…'}`).join(', ')}}]}`;
  const { image } = imageInputFor(inputs, p);
  const images = image
    ? `\nIt also takes one PNG or JPEG image per request (${image.width ?? 'any'}×${image.height ?? 'any'} pixels, ${image.channels === 1 ? 'grey' : image.channels === 3 ? 'RGB' : 'RGBA'}; never resized).`
    : '';
  return {
    inputs: `Input${inputs.length > 1 ? 's' : ''} (JSON {"instances": [...]}, one entry per example${inputs.length > 1 ? ', an object by input name' : ''}):\n${lines.join('\n')}\n${preprocessing}${images}`,
    curl: json(body),
  };
}
