package org.legonet.core.adapter;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.legonet.core.kernel.FastMath;
import org.legonet.core.kernel.Gemm;
import org.legonet.core.kernel.Simd;
import org.legonet.core.kernel.Vec;
import org.legonet.core.util.Rng;

/**
 * Trains {@code linear} and {@code mlp:H} adapters with cross-entropy and mini-batch Adam or SGD,
 * on the calling thread, allocating nothing inside the loop.
 *
 * <p>Determinism: initial weights and every epoch's shuffle come from {@link Rng} streams derived
 * from the adapter's seed; the dense products run on {@link Gemm} (fixed accumulation order);
 * softmax uses {@link FastMath#exp}; the optimiser is element-wise with the same sequence of
 * basic operations in its vector and scalar paths. The result is bit-identical for any thread,
 * run, or vector width.
 */
public final class DenseAdapterTrainer implements AdapterTrainer {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;

    private final TrainConfig config;

    public DenseAdapterTrainer(TrainConfig config) {
        this.config = config;
    }

    @Override
    public TrainConfig config() {
        return config;
    }

    @Override
    public long flops(int inputDim, int classes, int samples) {
        int[] w = config.spec().widths(inputDim, classes);
        long perSample = 0;
        for (int l = 1; l < w.length; l++) {
            long macs = (long) w[l - 1] * w[l];
            perSample += 2 * macs * (l > 1 ? 3 : 2);
        }
        return perSample * samples * config.epochs();
    }

    @Override
    public Adapter train(int index, long seed, TrainingSet data) {
        Adapter.Layout lay = Adapter.layout(config.spec(), data.dim(), data.classes());
        float[] params = new float[lay.total];
        Rng rng = new Rng(Rng.derive(seed, 1));
        initialise(lay, params, rng);
        int n = data.size();
        if (n > 0) {
            new Run(lay, params, data).fit(seed);
        }
        return new Adapter(config.spec(), index, data.dim(), data.classes(), seed, n, data.digest(), params);
    }

    /**
     * Test hook (package-private): the mean cross-entropy of the network {@code params} on
     * {@code rows} samples and its gradient, computed by the very forward and backward passes that
     * training runs, on one batch of all rows in order. Reads {@code params}, {@code x} (rows x in)
     * and {@code y}; only {@code grad} (same layout as {@code params}) is modified.
     */
    static float lossAndGradient(AdapterSpec spec, int in, int classes, float[] params, float[] x, int[] y, int rows,
                                 float[] grad) {
        Adapter.Layout lay = Adapter.layout(spec, in, classes);
        if (rows < 1 || params.length != lay.total || grad.length != lay.total || x.length < rows * in
                || y.length < rows) {
            throw new IllegalArgumentException("lossAndGradient: " + rows + " rows, " + params.length + " parameters, "
                    + grad.length + " gradients, expected " + lay.total);
        }
        long[] ids = new long[rows];
        int[] order = new int[rows];
        for (int r = 0; r < rows; r++) {
            ids[r] = r;
            order[r] = r;
        }
        TrainConfig oneBatch = new TrainConfig(spec, Optimizer.SGD, 1, rows, 1.0f, false, 0.0f, 0.0f);
        Run run = new DenseAdapterTrainer(oneBatch).new Run(lay, params, new TrainingSet(x, in, y, ids, order, classes));
        run.forward(order, 0, rows);
        float loss = run.backward(rows);
        System.arraycopy(run.gparams, 0, grad, 0, lay.total);
        return loss / rows;
    }

    /** He-uniform for layers followed by ReLU, Glorot-uniform for the output layer; biases zero. */
    private static void initialise(Adapter.Layout lay, float[] params, Rng rng) {
        int layers = lay.layers();
        for (int l = 1; l <= layers; l++) {
            int in = lay.widths[l - 1];
            int out = lay.widths[l];
            double bound = l < layers ? Math.sqrt(6.0 / in) : Math.sqrt(6.0 / (in + out));
            int ld = lay.padded[l];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    params[lay.weightOff[l] + i * ld + j] = (float) ((2.0 * rng.nextDouble() - 1.0) * bound);
                }
            }
        }
    }

    /** The buffers and loop of one training run. */
    private final class Run {
        private final Adapter.Layout lay;
        private final float[] params;
        private final TrainingSet data;
        private final int layers;
        private final int batch;
        private final int classes;
        private final float[][] acts;
        private final float[][] grads;
        private final float[] transposed;
        private final float[] gparams;
        private final float[] m;
        private final float[] v;
        private final int[] y;

        Run(Adapter.Layout lay, float[] params, TrainingSet data) {
            this.lay = lay;
            this.params = params;
            this.data = data;
            this.layers = lay.layers();
            this.batch = Math.min(config.batchSize(), data.size());
            this.classes = data.classes();
            acts = new float[layers + 1][];
            grads = new float[layers + 1][];
            int maxT = 0;
            for (int l = 0; l <= layers; l++) {
                acts[l] = new float[batch * lay.padded[l]];
                grads[l] = new float[batch * lay.padded[l]];
                if (l >= 2) {
                    maxT = Math.max(maxT, lay.padded[l] * lay.padded[l - 1]);
                }
            }
            transposed = new float[maxT];
            gparams = new float[lay.total];
            m = new float[lay.total];
            v = config.optimizer() == Optimizer.ADAM ? new float[lay.total] : null;
            y = new int[batch];
        }

        void fit(long seed) {
            int n = data.size();
            int[] order = new int[n];
            int stepsPerEpoch = (n + batch - 1) / batch;
            long totalSteps = (long) stepsPerEpoch * config.epochs();
            long t = 0;
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                System.arraycopy(data.rows(), 0, order, 0, n);
                new Rng(Rng.derive(seed, 2, epoch)).shuffle(order);
                for (int s = 0; s < n; s += batch) {
                    int b = Math.min(batch, n - s);
                    forward(order, s, b);
                    backward(b);
                    t++;
                    update(t, totalSteps);
                }
            }
        }

        private void forward(int[] order, int start, int b) {
            int d = data.dim();
            float[] x = acts[0];
            float[] enc = data.encodings();
            for (int r = 0; r < b; r++) {
                int row = order[start + r];
                System.arraycopy(enc, row * d, x, r * d, d);
                y[r] = data.labels()[row];
            }
            for (int l = 1; l <= layers; l++) {
                int w = lay.padded[l];
                float[] out = acts[l];
                for (int r = 0; r < b; r++) {
                    System.arraycopy(params, lay.biasOff[l], out, r * w, w);
                }
                Gemm.mulAdd(b, w, lay.padded[l - 1], acts[l - 1], 0, lay.padded[l - 1], 1,
                        params, lay.weightOff[l], w, out, 0, w);
                if (l < layers) {
                    Vec.relu(out, 0, b * w);
                }
            }
        }

        /**
         * Fills {@code gparams} with the gradient of the batch's mean cross-entropy (after {@link #forward}).
         *
         * @return the summed cross-entropy of the batch
         */
        private float backward(int b) {
            int w = lay.padded[layers];
            float[] probs = acts[layers];
            float[] g = grads[layers];
            float inv = 1.0f / b;
            float loss = 0.0f;
            for (int r = 0; r < b; r++) {
                int o = r * w;
                float target = probs[o + y[r]];
                loss += FastMath.softmaxInPlace(probs, o, classes) - target;
                for (int c = 0; c < classes; c++) {
                    g[o + c] = (probs[o + c] - (c == y[r] ? 1.0f : 0.0f)) * inv;
                }
                for (int c = classes; c < w; c++) {
                    g[o + c] = 0.0f;
                }
            }
            for (int l = layers; l >= 1; l--) {
                int out = lay.padded[l];
                int in = lay.padded[l - 1];
                float[] gl = grads[l];
                int wo = lay.weightOff[l];
                Arrays.fill(gparams, wo, wo + in * out, 0.0f);
                Gemm.mulAdd(in, out, b, acts[l - 1], 0, 1, in, gl, 0, out, gparams, wo, out);
                Vec.columnSums(gl, b, out, gparams, lay.biasOff[l]);
                if (l > 1) {
                    int real = lay.widths[l];
                    for (int j = 0; j < real; j++) {
                        for (int i = 0; i < in; i++) {
                            transposed[j * in + i] = params[wo + i * out + j];
                        }
                    }
                    float[] gprev = grads[l - 1];
                    Arrays.fill(gprev, 0, b * in, 0.0f);
                    Gemm.mulAdd(b, in, real, gl, 0, out, 1, transposed, 0, in, gprev, 0, in);
                    Vec.reluMask(gprev, acts[l - 1], b * in);
                }
            }
            return loss;
        }

        private void update(long step, long totalSteps) {
            double lr = config.learningRate();
            if (config.cosine()) {
                lr *= 0.5 * (1.0 + StrictMath.cos(Math.PI * (step - 1) / totalSteps));
            }
            if (config.optimizer() == Optimizer.ADAM) {
                double c1 = 1.0 - StrictMath.pow(TrainConfig.BETA1, step);
                double c2 = 1.0 - StrictMath.pow(TrainConfig.BETA2, step);
                adam((float) (lr * Math.sqrt(c2) / c1), (float) (TrainConfig.EPSILON * Math.sqrt(c2)),
                        (float) (lr * config.weightDecay()));
            } else {
                sgd((float) lr, config.momentum(), config.weightDecay());
            }
        }

        /** AdamW: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g; p = p - a m / (sqrt(v) + e) - lw p. */
        private void adam(float a, float e, float lw) {
            final float b1 = TrainConfig.BETA1;
            final float b2 = TrainConfig.BETA2;
            final float c1 = 1.0f - b1;
            final float c2 = 1.0f - b2;
            int n = params.length;
            int i = 0;
            if (S != null) {
                FloatVector vb1 = FloatVector.broadcast(S, b1);
                FloatVector vb2 = FloatVector.broadcast(S, b2);
                FloatVector vc1 = FloatVector.broadcast(S, c1);
                FloatVector vc2 = FloatVector.broadcast(S, c2);
                FloatVector va = FloatVector.broadcast(S, a);
                FloatVector ve = FloatVector.broadcast(S, e);
                FloatVector vlw = FloatVector.broadcast(S, lw);
                for (; i + L <= n; i += L) {
                    FloatVector g = FloatVector.fromArray(S, gparams, i);
                    FloatVector p = FloatVector.fromArray(S, params, i);
                    FloatVector mm = vb1.mul(FloatVector.fromArray(S, m, i)).add(vc1.mul(g));
                    FloatVector vv = vb2.mul(FloatVector.fromArray(S, v, i)).add(vc2.mul(g.mul(g)));
                    FloatVector upd = va.mul(mm).div(vv.sqrt().add(ve));
                    p = p.sub(upd).sub(vlw.mul(p));
                    mm.intoArray(m, i);
                    vv.intoArray(v, i);
                    p.intoArray(params, i);
                }
            }
            for (; i < n; i++) {
                float g = gparams[i];
                float p = params[i];
                float mm = b1 * m[i] + c1 * g;
                float vv = b2 * v[i] + c2 * (g * g);
                float upd = a * mm / ((float) Math.sqrt(vv) + e);
                p = p - upd - lw * p;
                m[i] = mm;
                v[i] = vv;
                params[i] = p;
            }
        }

        /** SGD with momentum and L2 decay: u = mu u + (g + wd p); p = p - lr u. */
        private void sgd(float lr, float mu, float wd) {
            int n = params.length;
            int i = 0;
            if (S != null) {
                FloatVector vmu = FloatVector.broadcast(S, mu);
                FloatVector vwd = FloatVector.broadcast(S, wd);
                FloatVector vlr = FloatVector.broadcast(S, lr);
                for (; i + L <= n; i += L) {
                    FloatVector p = FloatVector.fromArray(S, params, i);
                    FloatVector g = FloatVector.fromArray(S, gparams, i).add(vwd.mul(p));
                    FloatVector u = vmu.mul(FloatVector.fromArray(S, m, i)).add(g);
                    u.intoArray(m, i);
                    p.sub(vlr.mul(u)).intoArray(params, i);
                }
            }
            for (; i < n; i++) {
                float p = params[i];
                float g = gparams[i] + wd * p;
                float u = mu * m[i] + g;
                m[i] = u;
                params[i] = p - lr * u;
            }
        }
    }
}
