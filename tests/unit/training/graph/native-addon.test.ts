/**
 * The graph addon's API (native/seedsweep_tf.cc): a graph assembled in steps (import, TensorFlow's
 * own gradients, an import that uses them through an input map, start, run), the one-shot
 * `open`, and the errors a misuse gets instead of a crash.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../../src/training/graph/builder.js';
import { loadGraphAddon, type GraphAddon } from '../../../../src/training/graph/native.js';
import { GraphOps } from '../../../../src/training/graph/ops.js';
import { DataType, decodeGraphDef, encodeConfig } from '../../../../src/training/graph/proto.js';

const loaded = loadGraphAddon();
const addon = 'addon' in loaded ? loaded.addon : (undefined as unknown as GraphAddon);
const config = encodeConfig({ intraOpThreads: 1, interOpThreads: 1 });

/** y = Σ (x·w)² + stopGradient(z), with w a fed placeholder standing in for a weight. */
function forward() {
  const ops = new GraphOps(new GraphBuilder(), 'f');
  const x = ops.placeholder('x', DataType.float, [-1, 2]);
  const w = ops.placeholder('w', DataType.float, [2, 1]);
  const z = ops.placeholder('z', DataType.float, []);
  const unrelated = ops.placeholder('unrelated', DataType.float, []);
  const y = ops.add(
    ops.reduce('Sum', ops.unary('Square', ops.matMul(x, w)), [0, 1]),
    ops.unary('StopGradient', z),
  );
  return { graphDef: ops.builder.toGraphDef(), x, w, z, unrelated, y };
}

describe.skipIf(!('addon' in loaded))(
  `seedsweep_tf addon${'reason' in loaded ? ` (skipped: ${loaded.reason})` : ''}`,
  () => {
    it('assembles a graph from imports and gradients, then runs it', () => {
      const f = forward();
      const graph = addon.graph();
      try {
        addon.importGraph(graph, f.graphDef, [], []);
        expect(addon.outputShape(graph, f.x)).toEqual([-1, 2]);
        expect(() => addon.addGradients(graph, 'unreachable', [f.y], [f.unrelated])).toThrow(
          /unreachable from the output/,
        );
        const [dw, dz] = addon.addGradients(graph, 'grads', [f.y], [f.w, f.z]);
        expect(dz).toBeNull(); // no gradient flows through StopGradient
        expect(addon.outputShape(graph, dw!)?.[0]).toBe(2);

        // A second graph that reads the gradient through an input map: w − ½ dw.
        const ops = new GraphOps(new GraphBuilder(), 'step');
        const next = ops.sub('ext/w:0', ops.mul(ops.scalar(0.5), 'ext/dw:0'));
        const done = ops.op('NoOp', ['^ext/anchor'], {}, 'done');
        addon.importGraph(
          graph,
          ops.builder.toGraphDef(),
          [
            ['ext/w:0', f.w],
            ['ext/dw:0', dw!],
          ],
          [['ext/anchor', f.y]],
        );
        expect(() => addon.importGraph(graph, ops.builder.toGraphDef(), [], [])).toThrow(/importing a graph/);
        addon.start(graph, config);
        expect(() => addon.importGraph(graph, f.graphDef, [], [])).toThrow('the session has started');

        const x = Float32Array.of(1, 2, 3, 4);
        const w = Float32Array.of(0.5, -1);
        const [y, gradient, stepped] = addon.run(
          graph,
          [
            [f.x, DataType.float, [2, 2], x],
            [f.w, DataType.float, [2, 1], w],
            [f.z, DataType.float, [], Float32Array.of(0)],
          ],
          [f.y, dw!, next],
          [done],
        );
        // y = (0.5 − 2)² + (1.5 − 4)² = 8.5; dy/dw = 2 Σ (x·w) x = 2(−1.5·[1,2] − 2.5·[3,4]).
        expect(y!.data[0]).toBeCloseTo(8.5, 5);
        expect(Array.from(gradient!.data)).toEqual([-18, -26]);
        expect(Array.from(stepped!.data)).toEqual([9.5, 12]);
      } finally {
        addon.close(graph);
      }
      expect(() => addon.outputShape(graph, 'f/x')).toThrow('the graph is closed');
    });

    it("has ReluGrad / Relu6Grad read the activation's output, so the forward Relu can be fused", () => {
      const ops = new GraphOps(new GraphBuilder(), 'r');
      const x = ops.placeholder('x', DataType.float, [-1, 3]);
      const w = ops.placeholder('w', DataType.float, [3, 2]);
      const z = ops.biasAdd(ops.matMul(x, w), ops.constant(Float32Array.of(0.1, -0.1), [2]));
      const relu = ops.unary('Relu', z);
      const relu6 = ops.unary('Relu6', z);
      const y = ops.reduce('Sum', ops.add(relu, relu6), [0, 1]);
      const graph = addon.graph();
      try {
        addon.importGraph(graph, ops.builder.toGraphDef(), [], []);
        const [dw] = addon.addGradients(graph, 'grads', [y], [w]);
        const nodes = decodeGraphDef(addon.graphDef(graph));
        const features = (op: string) => nodes.filter((n) => n.op === op).map((n) => n.input[1]);
        expect(features('ReluGrad')).toEqual([relu]);
        expect(features('Relu6Grad')).toEqual([relu6]);
        // The same gradient as through the input.
        addon.start(graph, config);
        const [gradient] = addon.run(
          graph,
          [
            [x, DataType.float, [2, 3], Float32Array.of(1, 2, 3, -1, -2, -3)],
            [w, DataType.float, [3, 2], Float32Array.of(0.5, -0.5, 0.25, -0.25, 0.5, 0.5)],
          ],
          [dw!],
          [],
        );
        // z = [[2.6, 0.4], [-2.4, -0.6]]: row 0 passes both activations (dy/dz = 2), row 1 neither.
        expect(Array.from(gradient!.data)).toEqual([2, 2, 4, 4, 6, 6]);
      } finally {
        addon.close(graph);
      }
    });

    it('names an op without a registered gradient, and unknown nodes', () => {
      const ops = new GraphOps(new GraphBuilder(), 'g');
      const x = ops.placeholder('x', DataType.float, [3]);
      const y = ops.unary('Erfc', x);
      const graph = addon.graph();
      try {
        addon.importGraph(graph, ops.builder.toGraphDef(), [], []);
        expect(() => addon.addGradients(graph, 'grads', [y], [x])).toThrow(
          /No gradient defined for op: Erfc/,
        );
        expect(() => addon.addGradients(graph, 'grads', ['nope:0'], [x])).toThrow("no graph node 'nope:0'");
        expect(() => addon.addGradients(graph, 'grads', [`${x}:7`], [x])).toThrow(`no graph node '${x}:7'`);
        expect(() => addon.importGraph(graph, new Uint8Array(0), [['a:x', x]], [])).toThrow(
          "'a:x' is not a tensor name",
        );
        expect(() => addon.run(graph, [], [y], [])).toThrow('the session is closed or not started');
      } finally {
        addon.close(graph);
      }
    });

    it('still opens a whole GraphDef in one call', () => {
      const f = forward();
      const session = addon.open(f.graphDef, config);
      try {
        const [y] = addon.run(
          session,
          [
            [f.x, DataType.float, [1, 2], Float32Array.of(1, 1)],
            [f.w, DataType.float, [2, 1], Float32Array.of(2, 3)],
            [f.z, DataType.float, [], Float32Array.of(0)],
          ],
          [f.y],
          [],
        );
        expect(y!.data[0]).toBe(25);
      } finally {
        addon.close(session);
      }
    });
  },
);
