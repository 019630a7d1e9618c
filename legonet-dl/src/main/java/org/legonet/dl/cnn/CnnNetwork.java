package org.legonet.dl.cnn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.TrainConfig;
import org.legonet.core.data.Dataset;
import org.legonet.core.kernel.FastMath;
import org.legonet.core.kernel.Gemm;
import org.legonet.core.kernel.Simd;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/**
 * The CNN of {@link CnnSpec}, trained end to end in Java on core's deterministic kernels, bit-reproducibly.
 * One instance holds one set of parameters; {@link #fit} may be called again to continue from them (SISA's
 * slices), and {@link #snapshot()} / {@link #restore} save and reload them (SISA's checkpoints).
 * {@link #weights()} folds batch normalisation into the layout of {@link CnnWeights} for inference.
 *
 * <p>Network: per block a 3x3 convolution (padding 1) with bias, batch normalisation (batch statistics in
 * training, running statistics with momentum 0.1 and the unbiased batch variance for inference, as PyTorch
 * does), ReLU and 2x2 max-pooling (floor, the first maximum of a window wins); then the flattened map, a fully
 * connected layer of {@code dim} units with ReLU (the encoding), inverted dropout, a linear classifier and the
 * mean softmax cross-entropy. Optimiser: AdamW (beta 0.9 / 0.999, epsilon 1e-8, decoupled weight decay on every
 * parameter), a fresh one per {@link #fit}, with a cosine learning rate from {@code lr} down to {@code lr * 0.01}
 * over that fit's updates. Initialisation as PyTorch's default: weights and biases uniform in
 * {@code +-1/sqrt(fan_in)}, batch-norm scale 1 and shift 0.
 *
 * <p>Why not PyTorch: on an AMD Zen 5 host with AVX-512, libtorch's oneDNN kernels gave a different result for
 * the same fit within one process and sometimes NaN (not so with {@code DNNL_MAX_CPU_ISA=AVX2}, nor on an Intel
 * Xeon with AVX-512). The kernels are chosen by CPU and by environment variables that a library cannot set, so
 * no setting promises the same bits on every machine.
 *
 * <p>Speed: one epoch of the default recipe on 10,000 28x28 images took about 8.4 s of CPU time (2 threads,
 * Intel Xeon with AVX-512), less than PyTorch took on the same host.
 *
 * <p>Determinism: activations are channel-last; every convolution is one im2col matrix product per layer over
 * the whole mini-batch, and the input and weight gradients are matrix products too, all on core's {@link Gemm},
 * which accumulates every output element in ascending reduction index whatever the vector width. Batch-norm
 * statistics and every other reduction (bias gradients, over batch and positions) run in ascending row order per
 * channel, with vectors across channels only; softmax uses {@link FastMath#exp} ({@link Math#exp} may be an
 * intrinsic whose last bit differs by CPU and JIT tier); the optimiser is element-wise. Work is split across threads only
 * by independent output rows or channels, never inside one reduction. Initialisation, shuffling, augmentation and
 * dropout draw from core's seeded {@link Rng}. So a fit is a pure function of the data, the recipe and the seeds:
 * the same bits on any thread count, {@code -Dlegonet.simd} setting, JDK and CPU.
 */
public final class CnnNetwork {
    static final float BN_EPS = 1e-5f;
    static final float BN_MOMENTUM = 0.1f;
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;
    /** Rows of a weight gradient's reduction per cache-sized chunk. */
    private static final int CHUNK = 256;
    private final CnnSpec spec;
    private final int inChannels;
    private final int height;
    private final int width;
    private final int classes;
    private final float inMean;
    private final float inStd;
    private final int threads;
    private final int blocks;
    /** Per block: input height, width and channels, output channels. */
    private final int[] bh;
    private final int[] bw;
    private final int[] bin;
    private final int[] bout;
    private final int flat;
    private final int dim;
    /** Every trainable parameter in one array, so the optimiser is one loop; offsets below. */
    private final float[] params;
    private final int[] convW;  // (9 * cin) x cout, row index (ky * 3 + kx) * cin + c, as CnnWeights
    private final int[] convB;
    private final int[] gamma;
    private final int[] beta;
    private final int fcW;      // flat x dim, row index (y * w + x) * c + channel, as CnnWeights
    private final int fcB;
    private final int headW;    // dim x classes
    private final int headB;
    private final float[][] runMean;
    private final float[][] runVar;

    /**
     * A freshly initialised network.
     *
     * @param sampleShape {@code [H, W]} or {@code [C, H, W]}
     * @param inMean mean raw pixel value used to normalise the input (from the public split)
     * @param inStd standard deviation of the raw pixel values (from the public split)
     * @param threads threads a fit may use (at least 1); the result does not depend on it
     */
    public CnnNetwork(CnnSpec spec, int[] sampleShape, int classes, float inMean, float inStd, long seed, int threads) {
        this.spec = spec;
        if (sampleShape.length == 2) {
            inChannels = 1;
            height = sampleShape[0];
            width = sampleShape[1];
        } else if (sampleShape.length == 3 && sampleShape[0] <= 64) {
            inChannels = sampleShape[0];
            height = sampleShape[1];
            width = sampleShape[2];
        } else {
            throw new LegoNetException("the cnn encoder needs image samples of shape [H, W] or [C, H, W]; these have "
                    + Arrays.toString(sampleShape) + " (use pca:D or identity for flat features)");
        }
        int[] ch = spec.channels();
        blocks = ch.length;
        if ((height >> blocks) < 1 || (width >> blocks) < 1) {
            throw new LegoNetException("images of " + height + "x" + width + " are too small for " + blocks
                    + " pooling blocks");
        }
        if (classes < 2) {
            throw new LegoNetException("the cnn needs at least 2 classes, got " + classes);
        }
        if (!(inStd > 0) || !Float.isFinite(inStd) || !Float.isFinite(inMean)) {
            throw new LegoNetException("the cnn's input statistics are not usable (mean " + inMean + ", std " + inStd
                    + "): the public images are constant or not finite");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.classes = classes;
        this.inMean = inMean;
        this.inStd = inStd;
        this.threads = threads;
        this.dim = spec.dim();
        bh = new int[blocks];
        bw = new int[blocks];
        bin = new int[blocks];
        bout = new int[blocks];
        convW = new int[blocks];
        convB = new int[blocks];
        gamma = new int[blocks];
        beta = new int[blocks];
        runMean = new float[blocks][];
        runVar = new float[blocks][];
        int h = height;
        int w = width;
        int cin = inChannels;
        int off = 0;
        for (int l = 0; l < blocks; l++) {
            bh[l] = h;
            bw[l] = w;
            bin[l] = cin;
            bout[l] = ch[l];
            convW[l] = off;
            off += 9 * cin * ch[l];
            convB[l] = off;
            off += ch[l];
            gamma[l] = off;
            off += ch[l];
            beta[l] = off;
            off += ch[l];
            runMean[l] = new float[ch[l]];
            runVar[l] = new float[ch[l]];
            Arrays.fill(runVar[l], 1.0f);
            h /= 2;
            w /= 2;
            cin = ch[l];
        }
        flat = h * w * cin;
        fcW = off;
        off += flat * dim;
        fcB = off;
        off += dim;
        headW = off;
        off += dim * classes;
        headB = off;
        off += classes;
        params = new float[off];
        Rng rng = new Rng(Rng.derive(seed, 0));
        for (int l = 0; l < blocks; l++) {
            float bound = (float) (1.0 / Math.sqrt(9.0 * bin[l]));
            uniform(rng, convW[l], 9 * bin[l] * bout[l], bound);
            uniform(rng, convB[l], bout[l], bound);
            Arrays.fill(params, gamma[l], gamma[l] + bout[l], 1.0f);
        }
        float fb = (float) (1.0 / Math.sqrt(flat));
        uniform(rng, fcW, flat * dim, fb);
        uniform(rng, fcB, dim, fb);
        float hb = (float) (1.0 / Math.sqrt(dim));
        uniform(rng, headW, dim * classes, hb);
        uniform(rng, headB, classes, hb);
    }

    private void uniform(Rng rng, int off, int n, float bound) {
        for (int i = 0; i < n; i++) {
            params[off + i] = (float) ((2.0 * rng.nextDouble() - 1.0) * bound);
        }
    }

    /** Mean and standard deviation of every raw value of {@code data} (the public split), as floats. */
    public static float[] inputStats(Dataset data) {
        double sum = 0;
        double sq = 0;
        long n = (long) data.size() * data.dim();
        float[] row = new float[data.dim()];
        for (int r = 0; r < data.size(); r++) {
            data.copyRow(r, row, 0);
            for (float v : row) {
                sum += v;
                sq += (double) v * v;
            }
        }
        double mean = n == 0 ? 0 : sum / n;
        double var = n == 0 ? 1 : Math.max(sq / n - mean * mean, 1e-12);
        return new float[] {(float) mean, (float) Math.sqrt(var)};
    }

    /** The threads a fit uses by default: two when the machine has them (the result does not depend on it). */
    public static int defaultThreads() {
        return Math.min(2, Runtime.getRuntime().availableProcessors());
    }

    public CnnSpec spec() {
        return spec;
    }

    public int classes() {
        return classes;
    }

    /** Number of trainable parameters (the running statistics are not trained). */
    public long parameterCount() {
        return params.length;
    }

    /** The live parameter array (test hook for the gradient check). */
    float[] parameters() {
        return params;
    }

    /**
     * Trains for {@code epochs} passes over {@code rows} of {@code data} (labels from the data), with a fresh
     * AdamW optimiser and a cosine learning rate over those passes, continuing from the current parameters.
     * Shuffling and augmentation draw from {@code new Rng(seed)}, dropout from a stream derived from it.
     *
     * @return the number of sample-passes made
     * @throws LegoNetException if the loss becomes NaN or infinite (the parameters are then unusable)
     */
    public long fit(Dataset data, int[] rows, int epochs, long seed, Progress progress, String task) {
        if (rows.length == 0 || epochs == 0) {
            return 0;
        }
        checkInput(data);
        int batch = Math.min(spec.batch(), rows.length);
        int perEpoch = (rows.length + batch - 1) / batch;
        long updates = Math.max(1L, (long) perEpoch * epochs);
        Rng rng = new Rng(seed);
        Rng dropRng = new Rng(Rng.derive(seed, 1));
        int[] order = rows.clone();
        float[] raw = new float[data.dim()];
        Adam adam = new Adam(params.length);
        long passes = 0;
        long step = 0;
        progress.start(task, (long) rows.length * epochs);
        try (Pass pass = new Pass(batch)) {
            for (int e = 0; e < epochs; e++) {
                rng.shuffle(order);
                for (int from = 0; from < order.length; from += batch) {
                    int b = Math.min(batch, order.length - from);
                    for (int i = 0; i < b; i++) {
                        int r = order[from + i];
                        data.copyRow(r, raw, 0);
                        pass.y[i] = label(data, r);
                        prepare(raw, pass.x0, i * data.dim(), spec.augment() ? rng : null);
                    }
                    pass.forward(b, true, spec.dropout() > 0 ? dropRng : null);
                    float loss = pass.loss(b);
                    if (!Float.isFinite(loss)) {
                        throw new LegoNetException("cnn training diverged (the loss became " + loss + " in epoch "
                                + (e + 1) + "); try a smaller lr than " + spec.lr());
                    }
                    pass.backward(b);
                    double lr = spec.lr() * (0.01 + 0.99 * 0.5 * (1.0 + StrictMath.cos(Math.PI * step / updates)));
                    step++;
                    adam.update(step, lr, spec.weightDecay(), pass.grad);
                    passes += b;
                    progress.step(b);
                }
            }
        } finally {
            progress.finish();
        }
        if (!finite(params) || !Arrays.stream(runMean).allMatch(CnnNetwork::finite)
                || !Arrays.stream(runVar).allMatch(CnnNetwork::finite)) {
            throw new LegoNetException("cnn training diverged (a weight became NaN or infinite); try a smaller lr"
                    + " than " + spec.lr());
        }
        return passes;
    }

    private static boolean finite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private void checkInput(Dataset data) {
        int d = inChannels * height * width;
        if (data.dim() != d) {
            throw new LegoNetException(data.name() + " has " + data.dim() + " features per sample; the cnn expects " + d);
        }
    }

    private int label(Dataset data, int r) {
        int label = data.label(r);
        if (label < 0 || label >= classes) {
            throw new LegoNetException("label " + label + " is outside the cnn's " + classes + " classes");
        }
        return label;
    }

    /**
     * Test hook: the mean cross-entropy of the network in training mode (batch statistics, no dropout, no
     * augmentation) on {@code rows} as one batch, and its gradient into {@code grad} (the layout of
     * {@link #parameters()}), by the very passes {@link #fit} runs. Updates the running statistics.
     */
    float lossAndGradient(Dataset data, int[] rows, float[] grad) {
        checkInput(data);
        float[] raw = new float[data.dim()];
        try (Pass pass = new Pass(rows.length)) {
            for (int i = 0; i < rows.length; i++) {
                data.copyRow(rows[i], raw, 0);
                pass.y[i] = label(data, rows[i]);
                prepare(raw, pass.x0, i * data.dim(), null);
            }
            pass.forward(rows.length, true, null);
            float loss = pass.loss(rows.length);
            pass.backward(rows.length);
            System.arraycopy(pass.grad, 0, grad, 0, params.length);
            return loss;
        }
    }

    /**
     * Test hook: class scores of {@code rows} in inference mode (running statistics, no dropout), computed by the
     * training passes without folding batch normalisation; {@link CnnWeights#logits} must agree to rounding.
     */
    float[] evalLogits(Dataset data, int[] rows) {
        checkInput(data);
        float[] raw = new float[data.dim()];
        try (Pass pass = new Pass(rows.length)) {
            for (int i = 0; i < rows.length; i++) {
                data.copyRow(rows[i], raw, 0);
                prepare(raw, pass.x0, i * data.dim(), null);
            }
            pass.forward(rows.length, false, null);
            return Arrays.copyOf(pass.logits, rows.length * classes);
        }
    }

    /**
     * Normalises one raw sample (channel-first) into {@code dst[off..]} channel-last, with a random shift of up to
     * 2 pixels and a horizontal flip when {@code rng} is given (three draws per sample: dy, dx, flip).
     */
    private void prepare(float[] raw, float[] dst, int off, Rng rng) {
        int plane = height * width;
        int dy = 0;
        int dx = 0;
        boolean flip = false;
        if (rng != null) {
            dy = rng.nextInt(5) - 2;
            dx = rng.nextInt(5) - 2;
            flip = rng.nextInt(2) == 1;
        }
        float background = (0.0f - inMean) / inStd;
        for (int c = 0; c < inChannels; c++) {
            for (int yy = 0; yy < height; yy++) {
                int sy = yy + dy;
                for (int xx = 0; xx < width; xx++) {
                    int sx = (flip ? width - 1 - xx : xx) + dx;
                    float v = sy < 0 || sy >= height || sx < 0 || sx >= width ? background
                            : (raw[c * plane + sy * width + sx] - inMean) / inStd;
                    dst[off + (yy * width + xx) * inChannels + c] = v;
                }
            }
        }
    }

    /** A copy of every parameter and batch-norm statistic: a checkpoint. */
    public float[][] snapshot() {
        float[][] s = new float[1 + 2 * blocks][];
        s[0] = params.clone();
        for (int l = 0; l < blocks; l++) {
            s[1 + l] = runMean[l].clone();
            s[1 + blocks + l] = runVar[l].clone();
        }
        return s;
    }

    /** Loads a {@link #snapshot()} of a network with the same specification and shapes. */
    public void restore(float[][] snapshot) {
        if (snapshot.length != 1 + 2 * blocks || snapshot[0].length != params.length) {
            throw new IllegalArgumentException("the snapshot is of another network");
        }
        System.arraycopy(snapshot[0], 0, params, 0, params.length);
        for (int l = 0; l < blocks; l++) {
            System.arraycopy(snapshot[1 + l], 0, runMean[l], 0, bout[l]);
            System.arraycopy(snapshot[1 + blocks + l], 0, runVar[l], 0, bout[l]);
        }
    }

    /** The current parameters for inference, batch normalisation folded into a per-channel scale and shift. */
    public CnnWeights weights() {
        float[][] w = new float[blocks][];
        float[][] sc = new float[blocks][];
        float[][] sh = new float[blocks][];
        for (int l = 0; l < blocks; l++) {
            int f = bout[l];
            w[l] = Arrays.copyOfRange(params, convW[l], convW[l] + 9 * bin[l] * f);
            sc[l] = new float[f];
            sh[l] = new float[f];
            for (int o = 0; o < f; o++) {
                double s = params[gamma[l] + o] / Math.sqrt((double) runVar[l][o] + BN_EPS);
                sc[l][o] = (float) s;
                sh[l][o] = (float) (params[beta[l] + o] + ((double) params[convB[l] + o] - runMean[l][o]) * s);
            }
        }
        return new CnnWeights(inChannels, height, width, inMean, inStd, spec.channels(), w, sc, sh, dim,
                Arrays.copyOfRange(params, fcW, fcW + flat * dim), Arrays.copyOfRange(params, fcB, fcB + dim),
                classes, Arrays.copyOfRange(params, headW, headW + dim * classes),
                Arrays.copyOfRange(params, headB, headB + classes));
    }

    /** AdamW state over {@link #params}; the same element-wise operations as core's adapter trainer. */
    private final class Adam {
        private final float[] m;
        private final float[] v;

        Adam(int n) {
            m = new float[n];
            v = new float[n];
        }

        void update(long step, double lr, float weightDecay, float[] g) {
            double c1 = 1.0 - StrictMath.pow(TrainConfig.BETA1, step);
            double c2 = 1.0 - StrictMath.pow(TrainConfig.BETA2, step);
            float a = (float) (lr * Math.sqrt(c2) / c1);
            float e = (float) (TrainConfig.EPSILON * Math.sqrt(c2));
            float lw = (float) (lr * weightDecay);
            float b1 = TrainConfig.BETA1;
            float b2 = TrainConfig.BETA2;
            float k1 = 1.0f - b1;
            float k2 = 1.0f - b2;
            for (int i = 0; i < params.length; i++) {
                float gi = g[i];
                float p = params[i];
                float mm = b1 * m[i] + k1 * gi;
                float vv = b2 * v[i] + k2 * (gi * gi);
                m[i] = mm;
                v[i] = vv;
                params[i] = p - a * mm / ((float) Math.sqrt(vv) + e) - lw * p;
            }
        }
    }

    /** The channels of {@code n} that whole vectors cover (0 when kernels run scalar). */
    private static int vectorPart(int n) {
        return S == null ? 0 : n - n % L;
    }

    /** Fails in one line when a buffer of a {@code batch}-sample pass would not fit in a Java array. */
    private void checkBatch(int batch) {
        long largest = (long) batch * Math.max(dim, flat);
        for (int l = 0; l < blocks; l++) {
            largest = Math.max(largest, (long) batch * bh[l] * bw[l] * Math.max(9L * bin[l], bout[l]));
        }
        if (largest > Integer.MAX_VALUE - 8) {
            throw new LegoNetException("cnn batch=" + batch + " is too large for " + inChannels + "x" + height + "x"
                    + width + " images (a buffer would hold " + largest + " values); use a smaller batch");
        }
    }

    /** A range task over {@code [from, to)}. */
    private interface Range {
        void run(int from, int to);
    }

    /** The buffers of one mini-batch's forward and backward pass, sized for {@code batch} samples. */
    private final class Pass implements AutoCloseable {
        final int batch;
        final float[] x0;
        final int[] y;
        final float[][] col;    // per block: (B * h * w) x (9 * cin)
        final float[][] xhat;   // per block: (B * h * w) x cout, normalised pre-activation
        final float[][] act;    // per block: after scale, shift and ReLU
        final float[][] pooled; // per block: (B * h/2 * w/2) x cout
        final int[][] arg;      // per block: index into act of each pooled maximum
        final float[][] mean;
        final float[][] inv;    // 1 / sqrt(var + eps)
        final float[] enc;      // B x dim, after ReLU
        final float[] mask;     // B x dim, dropout scale (0 or 1 / (1 - p))
        final float[] drop;     // B x dim, after dropout
        final float[] logits;   // B x classes, then the gradient of the loss
        final float[] grad;
        final float[] dAct;
        final float[] dCol;
        final float[] dIn;      // the gradient of a block's input (a pooled map), B x flat at most
        final float[] dOut;
        final float[] dEnc;
        final float[] trans;    // a transposed weight matrix
        final ExecutorService workers;

        Pass(int batch) {
            checkBatch(batch);
            this.batch = batch;
            x0 = new float[batch * height * width * inChannels];
            y = new int[batch];
            col = new float[blocks][];
            xhat = new float[blocks][];
            act = new float[blocks][];
            workers = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "cnn-train");
                t.setDaemon(true);
                return t;
            }) : null;
            pooled = new float[blocks][];
            arg = new int[blocks][];
            mean = new float[blocks][];
            inv = new float[blocks][];
            int maxAct = 0;
            int maxCol = 0;
            int maxIn = 0;
            int maxT = Math.max(flat * dim, dim * classes);
            for (int l = 0; l < blocks; l++) {
                int m = batch * bh[l] * bw[l];
                col[l] = new float[m * 9 * bin[l]];
                xhat[l] = new float[m * bout[l]];
                act[l] = new float[m * bout[l]];
                int pm = batch * (bh[l] / 2) * (bw[l] / 2) * bout[l];
                pooled[l] = new float[pm];
                arg[l] = new int[pm];
                mean[l] = new float[bout[l]];
                inv[l] = new float[bout[l]];
                maxAct = Math.max(maxAct, m * bout[l]);
                maxIn = Math.max(maxIn, pm);
                if (l > 0) {
                    maxCol = Math.max(maxCol, m * 9 * bin[l]);
                }
                maxT = Math.max(maxT, 9 * bin[l] * bout[l]);
            }
            enc = new float[batch * dim];
            mask = new float[batch * dim];
            drop = new float[batch * dim];
            logits = new float[batch * classes];
            grad = new float[params.length];
            dAct = new float[maxAct];
            dCol = new float[maxCol];
            dIn = new float[maxIn];
            dOut = new float[maxIn];
            dEnc = new float[batch * dim];
            trans = new float[maxT];
        }

        /** Runs {@code task} over {@code [0, n)} split into contiguous parts, one per thread. */
        void split(int n, Range task) {
            if (workers == null || n < 2) {
                task.run(0, n);
                return;
            }
            int parts = Math.min(threads, n);
            List<Future<?>> fs = new ArrayList<>(parts - 1);
            for (int p = 1; p < parts; p++) {
                int from = (int) ((long) n * p / parts);
                int to = (int) ((long) n * (p + 1) / parts);
                fs.add(workers.submit(() -> task.run(from, to)));
            }
            task.run(0, (int) ((long) n / parts));
            try {
                for (Future<?> f : fs) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LegoNetException("cnn training was interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }

        /** Runs {@code task} over channels {@code [0, c)} split into whole vectors, one part per thread. */
        void splitChannels(int c, Range task) {
            int units = (c + L - 1) / L;
            split(units, (u0, u1) -> task.run(u0 * L, Math.min(c, u1 * L)));
        }

        /** {@code C = C + A * B} split by rows of C across threads; each element's sum is the same either way. */
        void gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                  float[] c, int cOff, int ldc) {
            split(m, (from, to) -> Gemm.mulAdd(to - from, n, k, a, aOff + from * ars, ars, acs, b, bOff, ldb, c,
                    cOff + from * ldc, ldc));
        }

        /**
         * Forward pass of {@code b} samples in {@code x0} to the class scores in {@link #logits}: with batch
         * statistics (which also update the running ones) when {@code training}, else with the running ones.
         */
        void forward(int b, boolean training, Rng dropRng) {
            float[] in = x0;
            for (int l = 0; l < blocks; l++) {
                in = block(l, b, in, training);
            }
            // fully connected encoding layer with ReLU
            float[] f = in;
            for (int r = 0; r < b; r++) {
                System.arraycopy(params, fcB, enc, r * dim, dim);
            }
            gemm(b, dim, flat, f, 0, flat, 1, params, fcW, dim, enc, 0, dim);
            for (int i = 0; i < b * dim; i++) {
                enc[i] = enc[i] > 0.0f ? enc[i] : 0.0f;
            }
            float p = spec.dropout();
            if (dropRng != null) {
                float keep = 1.0f / (1.0f - p);
                for (int i = 0; i < b * dim; i++) {
                    mask[i] = dropRng.nextDouble() < p ? 0.0f : keep;
                    drop[i] = enc[i] * mask[i];
                }
            } else {
                Arrays.fill(mask, 0, b * dim, 1.0f);
                System.arraycopy(enc, 0, drop, 0, b * dim);
            }
            for (int r = 0; r < b; r++) {
                System.arraycopy(params, headB, logits, r * classes, classes);
            }
            gemm(b, classes, dim, drop, 0, dim, 1, params, headW, classes, logits, 0, classes);
        }

        /** The mean cross-entropy of the logits of the last {@link #forward}; leaves the probabilities in place. */
        float loss(int b) {
            float loss = 0.0f;
            for (int r = 0; r < b; r++) {
                int o = r * classes;
                float target = logits[o + y[r]];
                loss += FastMath.softmaxInPlace(logits, o, classes) - target;
            }
            return loss / b;
        }

        /** Block {@code l} on {@code b} samples: returns its pooled output. */
        private float[] block(int l, int b, float[] in, boolean training) {
            int h = bh[l];
            int w = bw[l];
            int cin = bin[l];
            int cout = bout[l];
            int k = 9 * cin;
            int per = h * w;
            int m = b * per;
            float[] c = col[l];
            split(b, (s0, s1) -> {
                for (int s = s0; s < s1; s++) {
                    im2col(in, s * per * cin, h, w, cin, c, s * per * k);
                }
            });
            float[] z = xhat[l];
            int bias = convB[l];
            split(m, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    System.arraycopy(params, bias, z, r * cout, cout);
                }
                Gemm.mulAdd(r1 - r0, cout, k, c, r0 * k, k, 1, params, convW[l], cout, z, r0 * cout, cout);
            });
            float[] mu = mean[l];
            float[] is = inv[l];
            if (!training) {
                for (int f = 0; f < cout; f++) {
                    mu[f] = runMean[l][f];
                    is[f] = (float) (1.0 / Math.sqrt((double) runVar[l][f] + BN_EPS));
                }
            } else {
                // batch statistics per channel, each summed over rows in ascending order; vectors run across
                // channels, threads split whole vectors of channels
                splitChannels(cout, (f0, f1) -> {
                    int fv = f0 + vectorPart(f1 - f0);
                    for (int f = f0; f < fv; f += L) {
                        FloatVector sum = FloatVector.zero(S);
                        for (int r = 0; r < m; r++) {
                            sum = sum.add(FloatVector.fromArray(S, z, r * cout + f));
                        }
                        FloatVector mf = sum.div((float) m);
                        mf.intoArray(mu, f);
                        FloatVector q = FloatVector.zero(S);
                        for (int r = 0; r < m; r++) {
                            FloatVector d = FloatVector.fromArray(S, z, r * cout + f).sub(mf);
                            q = d.fma(d, q);
                        }
                        q.intoArray(is, f);
                    }
                    for (int f = fv; f < f1; f++) {
                        float sum = 0.0f;
                        for (int r = 0; r < m; r++) {
                            sum += z[r * cout + f];
                        }
                        float mf = sum / m;
                        mu[f] = mf;
                        float q = 0.0f;
                        for (int r = 0; r < m; r++) {
                            float d = z[r * cout + f] - mf;
                            q = Math.fma(d, d, q);
                        }
                        is[f] = q;
                    }
                    for (int f = f0; f < f1; f++) {
                        float q = is[f];
                        float var = q / m;
                        float unbiased = m > 1 ? q / (m - 1) : var;
                        is[f] = (float) (1.0 / Math.sqrt((double) var + BN_EPS));
                        runMean[l][f] = (1.0f - BN_MOMENTUM) * runMean[l][f] + BN_MOMENTUM * mu[f];
                        runVar[l][f] = (1.0f - BN_MOMENTUM) * runVar[l][f] + BN_MOMENTUM * unbiased;
                    }
                });
            }
            float[] a = act[l];
            int g0 = gamma[l];
            int b0 = beta[l];
            int fv = vectorPart(cout);
            split(m, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int o = r * cout;
                    int f = 0;
                    for (; f < fv; f += L) {
                        FloatVector xh = FloatVector.fromArray(S, z, o + f).sub(FloatVector.fromArray(S, mu, f))
                                .mul(FloatVector.fromArray(S, is, f));
                        xh.intoArray(z, o + f);
                        FloatVector v = FloatVector.fromArray(S, params, g0 + f).mul(xh)
                                .add(FloatVector.fromArray(S, params, b0 + f));
                        FloatVector.zero(S).blend(v, v.compare(VectorOperators.GT, 0.0f)).intoArray(a, o + f);
                    }
                    for (; f < cout; f++) {
                        float xh = (z[o + f] - mu[f]) * is[f];
                        z[o + f] = xh;
                        float v = params[g0 + f] * xh + params[b0 + f];
                        a[o + f] = v > 0.0f ? v : 0.0f;
                    }
                }
            });
            float[] out = pooled[l];
            int[] idx = arg[l];
            int ho = h / 2;
            int wo = w / 2;
            split(b, (s0, s1) -> {
                for (int s = s0; s < s1; s++) {
                    int src = s * per * cout;
                    int dst = s * ho * wo * cout;
                    for (int yy = 0; yy < ho; yy++) {
                        for (int xx = 0; xx < wo; xx++) {
                            int d = dst + (yy * wo + xx) * cout;
                            int s00 = src + ((2 * yy) * w + 2 * xx) * cout;
                            int s01 = s00 + cout;
                            int s10 = s00 + w * cout;
                            int s11 = s10 + cout;
                            for (int f = 0; f < cout; f++) {
                                int best = s00 + f;
                                if (a[s01 + f] > a[best]) {
                                    best = s01 + f;
                                }
                                if (a[s10 + f] > a[best]) {
                                    best = s10 + f;
                                }
                                if (a[s11 + f] > a[best]) {
                                    best = s11 + f;
                                }
                                out[d + f] = a[best];
                                idx[d + f] = best;
                            }
                        }
                    }
                }
            });
            return out;
        }

        /** Gradient of the mean loss of the last {@link #forward} into {@link #grad}. */
        void backward(int b) {
            // softmax cross-entropy: (p - onehot) / b
            float invB = 1.0f / b;
            for (int r = 0; r < b; r++) {
                int o = r * classes;
                for (int j = 0; j < classes; j++) {
                    logits[o + j] = (logits[o + j] - (j == y[r] ? 1.0f : 0.0f)) * invB;
                }
            }
            float[] gl = logits;
            // classifier
            weightGrad(b, dim, classes, drop, gl, headW);
            columnSums(gl, b, classes, headB);
            transpose(headW, dim, classes);
            Arrays.fill(dEnc, 0, b * dim, 0.0f);
            gemm(b, dim, classes, gl, 0, classes, 1, trans, 0, dim, dEnc, 0, dim);
            for (int i = 0; i < b * dim; i++) {
                dEnc[i] = enc[i] > 0.0f ? dEnc[i] * mask[i] : 0.0f;
            }
            // encoding layer
            float[] f = pooled[blocks - 1];
            weightGrad(b, flat, dim, f, dEnc, fcW);
            columnSums(dEnc, b, dim, fcB);
            transpose(fcW, flat, dim);
            Arrays.fill(dIn, 0, b * flat, 0.0f);
            gemm(b, flat, dim, dEnc, 0, dim, 1, trans, 0, flat, dIn, 0, flat);
            for (int l = blocks - 1; l >= 0; l--) {
                blockBackward(l, b);
            }
        }

        /**
         * {@code grad[off..] = A^T * G}, {@code A} rows x in, {@code G} rows x out: for each element a sum over rows in
         * ascending order. The rows go in chunks that stay in cache; each chunk continues the same sums, so the
         * chunking changes no bit. Threads split the output rows.
         */
        private void weightGrad(int rows, int in, int out, float[] a, float[] g, int off) {
            Arrays.fill(grad, off, off + in * out, 0.0f);
            split(in, (i0, i1) -> {
                for (int p0 = 0; p0 < rows; p0 += CHUNK) {
                    int n = Math.min(CHUNK, rows - p0);
                    Gemm.mulAdd(i1 - i0, out, n, a, p0 * in + i0, 1, in, g, p0 * out, out, grad, off + i0 * out, out);
                }
            });
        }

        /** {@code grad[off + j] = sum_r g[r * cols + j]}, ascending r, split by columns. */
        private void columnSums(float[] g, int rows, int cols, int off) {
            split(cols, (j0, j1) -> {
                Arrays.fill(grad, off + j0, off + j1, 0.0f);
                for (int r = 0; r < rows; r++) {
                    int o = r * cols;
                    for (int j = j0; j < j1; j++) {
                        grad[off + j] += g[o + j];
                    }
                }
            });
        }

        /** {@code trans = W^T} for {@code W = params[off..]} of {@code rows x cols}. */
        private void transpose(int off, int rows, int cols) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    trans[j * rows + i] = params[off + i * cols + j];
                }
            }
        }

        /** Block {@code l}'s gradients, from the gradient of its pooled output in {@link #dIn}. */
        private void blockBackward(int l, int b) {
            int h = bh[l];
            int w = bw[l];
            int cin = bin[l];
            int cout = bout[l];
            int k = 9 * cin;
            int m = b * h * w;
            int pm = b * (h / 2) * (w / 2) * cout;
            float[] da = dAct;
            float[] a = act[l];
            int[] idx = arg[l];
            Arrays.fill(da, 0, m * cout, 0.0f);
            for (int i = 0; i < pm; i++) {
                da[idx[i]] = dIn[i]; // every position is in at most one window
            }
            float[] xh = xhat[l];
            int g0 = gamma[l];
            int b0 = beta[l];
            float[] is = inv[l];
            // through ReLU; then the scale and shift gradients and the batch-norm input gradient, per channel in
            // ascending rows; vectors run across channels, threads split whole vectors of channels
            float fm = m;
            splitChannels(cout, (f0, f1) -> {
                int fv = f0 + vectorPart(f1 - f0);
                FloatVector zero = S == null ? null : FloatVector.zero(S);
                for (int f = f0; f < fv; f += L) {
                    FloatVector sg = zero;
                    FloatVector sb = zero;
                    for (int r = 0; r < m; r++) {
                        int i = r * cout + f;
                        FloatVector d = zero.blend(FloatVector.fromArray(S, da, i),
                                FloatVector.fromArray(S, a, i).compare(VectorOperators.GT, 0.0f));
                        d.intoArray(da, i);
                        sg = d.fma(FloatVector.fromArray(S, xh, i), sg);
                        sb = sb.add(d);
                    }
                    sg.intoArray(grad, g0 + f);
                    sb.intoArray(grad, b0 + f);
                    FloatVector sc = FloatVector.fromArray(S, params, g0 + f).mul(FloatVector.fromArray(S, is, f));
                    FloatVector mb = sb.div(fm);
                    FloatVector mg = sg.div(fm);
                    for (int r = 0; r < m; r++) {
                        int i = r * cout + f;
                        FloatVector t = FloatVector.fromArray(S, xh, i).mul(mg);
                        sc.mul(FloatVector.fromArray(S, da, i).sub(mb).sub(t)).intoArray(da, i);
                    }
                }
                for (int f = fv; f < f1; f++) {
                    float sg = 0.0f;
                    float sb = 0.0f;
                    for (int r = 0; r < m; r++) {
                        int i = r * cout + f;
                        float d = a[i] > 0.0f ? da[i] : 0.0f;
                        da[i] = d;
                        sg = Math.fma(d, xh[i], sg);
                        sb += d;
                    }
                    grad[g0 + f] = sg;
                    grad[b0 + f] = sb;
                    float sc = params[g0 + f] * is[f];
                    float mb = sb / fm;
                    float mg = sg / fm;
                    for (int r = 0; r < m; r++) {
                        int i = r * cout + f;
                        da[i] = sc * (da[i] - mb - xh[i] * mg);
                    }
                }
            });
            columnSums(da, m, cout, convB[l]);
            weightGrad(m, k, cout, col[l], da, convW[l]);
            if (l == 0) {
                return;
            }
            transpose(convW[l], k, cout);
            float[] dc = dCol;
            Arrays.fill(dc, 0, m * k, 0.0f);
            gemm(m, k, cout, da, 0, cout, 1, trans, 0, k, dc, 0, k);
            // col2im into the previous block's pooled output gradient, each sample on its own
            int per = h * w;
            float[] dx = dOut;
            split(b, (s0, s1) -> {
                for (int s = s0; s < s1; s++) {
                    int base = s * per * cin;
                    Arrays.fill(dx, base, base + per * cin, 0.0f);
                    for (int yy = 0; yy < h; yy++) {
                        for (int xx = 0; xx < w; xx++) {
                            int row = (s * per + yy * w + xx) * k;
                            for (int ky = 0; ky < 3; ky++) {
                                int sy = yy + ky - 1;
                                if (sy < 0 || sy >= h) {
                                    continue;
                                }
                                for (int kx = 0; kx < 3; kx++) {
                                    int sx = xx + kx - 1;
                                    if (sx < 0 || sx >= w) {
                                        continue;
                                    }
                                    int src = row + (ky * 3 + kx) * cin;
                                    int dst = base + (sy * w + sx) * cin;
                                    for (int c = 0; c < cin; c++) {
                                        dx[dst + c] += dc[src + c];
                                    }
                                }
                            }
                        }
                    }
                }
            });
            System.arraycopy(dx, 0, dIn, 0, b * per * cin);
        }

        @Override
        public void close() {
            if (workers != null) {
                workers.shutdownNow();
            }
        }
    }

    /** im2col of one channel-last image at {@code in[off..]} into {@code (h * w) x (9 * cin)} rows at {@code col[dst..]}. */
    static void im2col(float[] in, int off, int h, int w, int cin, float[] col, int dst) {
        int k = 9 * cin;
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                int row = dst + (yy * w + xx) * k;
                for (int ky = 0; ky < 3; ky++) {
                    int sy = yy + ky - 1;
                    for (int kx = 0; kx < 3; kx++) {
                        int sx = xx + kx - 1;
                        int d = row + (ky * 3 + kx) * cin;
                        if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
                            Arrays.fill(col, d, d + cin, 0.0f);
                        } else {
                            System.arraycopy(in, off + (sy * w + sx) * cin, col, d, cin);
                        }
                    }
                }
            }
        }
    }
}
