package org.legonet.dl.cnn;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.util.Progress;
import org.legonet.core.util.Rng;

/**
 * The CNN of {@link CnnSpec} as a DJL (PyTorch engine) network, trained end to end on the CPU. One
 * instance holds one set of parameters; {@link #fit} may be called again to continue from them (SISA's
 * slices), and {@link #snapshot()} / {@link #restore} save and reload them (SISA's checkpoints).
 * {@link #weights()} exports them for deterministic inference in Java ({@link CnnWeights}).
 *
 * <p>Reproducibility: initialisation is seeded (PyTorch's generator), shuffling and augmentation use
 * core's seeded {@link Rng}. Measured here (PyTorch 2.7.1 CPU): the same recipe, data and seed give the same
 * bits run to run, within one process and across processes, at the same PyTorch thread count; with another
 * intra-op thread count the bits differ. PyTorch's generator is global to the process, so two networks
 * built or trained concurrently (dropout draws from it) are not reproducible. That is acceptable here: a
 * trained CNN is frozen and stored (the encoder) or is a baseline; nothing in the exactness contract depends
 * on retraining a CNN to the same bits.
 */
public final class CnnModel implements AutoCloseable {
    static final float BN_EPS = 1e-5f;
    private final CnnSpec spec;
    private final int inChannels;
    private final int height;
    private final int width;
    private final int classes;
    private final float inMean;
    private final float inStd;
    private final Model model;
    private final List<Conv2d> convs = new ArrayList<>();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final Linear fc;
    private final Linear head;
    private final NDManager manager;

    /**
     * A freshly initialised network.
     *
     * @param sampleShape {@code [H, W]} or {@code [C, H, W]}
     * @param inMean mean raw pixel value used to normalise the input (from the public split)
     * @param inStd standard deviation of the raw pixel values (from the public split)
     */
    public CnnModel(CnnSpec spec, int[] sampleShape, int classes, float inMean, float inStd, long seed) {
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
                    + java.util.Arrays.toString(sampleShape) + " (use pca:D or identity for flat features)");
        }
        if ((height >> spec.channels().length) < 1 || (width >> spec.channels().length) < 1) {
            throw new LegoNetException("images of " + height + "x" + width + " are too small for "
                    + spec.channels().length + " pooling blocks");
        }
        if (classes < 2) {
            throw new LegoNetException("the cnn needs at least 2 classes, got " + classes);
        }
        this.classes = classes;
        this.inMean = inMean;
        this.inStd = inStd;
        Engine.getEngine("PyTorch").setRandomSeed((int) (seed & 0x7fffffff));
        SequentialBlock net = new SequentialBlock();
        for (int c : spec.channels()) {
            Conv2d conv = Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(c)
                    .build();
            BatchNorm bn = BatchNorm.builder().optEpsilon(BN_EPS).build();
            convs.add(conv);
            norms.add(bn);
            net.add(conv).add(bn).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Blocks.batchFlattenBlock());
        fc = Linear.builder().setUnits(spec.dim()).build();
        net.add(fc).add(Activation.reluBlock());
        if (spec.dropout() > 0) {
            net.add(Dropout.builder().optRate(spec.dropout()).build());
        }
        head = Linear.builder().setUnits(classes).build();
        net.add(head);
        model = Model.newInstance("cnn", "PyTorch");
        model.setBlock(net);
        manager = model.getNDManager();
        net.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, inChannels, height, width));
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

    public CnnSpec spec() {
        return spec;
    }

    public int classes() {
        return classes;
    }

    /** Number of trainable parameters. */
    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().size();
            }
        }
        return n;
    }

    /**
     * Trains for {@code epochs} passes over {@code rows} of {@code data} (labels from the data), with a fresh
     * AdamW optimiser and a cosine learning rate over those passes, continuing from the current parameters.
     *
     * @return the number of sample-passes made
     */
    public long fit(Dataset data, int[] rows, int epochs, long seed, Progress progress, String task) {
        if (rows.length == 0 || epochs == 0) {
            return 0;
        }
        int dim = inChannels * height * width;
        if (data.dim() != dim) {
            throw new LegoNetException(data.name() + " has " + data.dim() + " features per sample; the cnn expects "
                    + dim);
        }
        int batch = Math.min(spec.batch(), rows.length);
        int perEpoch = (rows.length + batch - 1) / batch;
        int updates = Math.max(1, perEpoch * epochs);
        Tracker lr = Tracker.cosine().setBaseValue(spec.lr()).optFinalValue(spec.lr() * 0.01f).setMaxUpdates(updates)
                .build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays(spec.weightDecay()).build());
        Rng rng = new Rng(seed);
        int[] order = rows.clone();
        float[] x = new float[batch * dim];
        float[] y = new float[batch];
        float[] raw = new float[dim];
        long passes = 0;
        progress.start(task, (long) rows.length * epochs);
        try (Trainer trainer = model.newTrainer(config)) {
            for (int e = 0; e < epochs; e++) {
                rng.shuffle(order);
                for (int from = 0; from < order.length; from += batch) {
                    int b = Math.min(batch, order.length - from);
                    for (int i = 0; i < b; i++) {
                        int r = order[from + i];
                        data.copyRow(r, raw, 0);
                        int label = data.label(r);
                        if (label < 0 || label >= classes) {
                            throw new LegoNetException("label " + label + " is outside the cnn's " + classes + " classes");
                        }
                        y[i] = label;
                        prepare(raw, x, i * dim, spec.augment() ? rng : null);
                    }
                    try (NDManager m = manager.newSubManager()) {
                        NDArray xs = m.create(java.nio.FloatBuffer.wrap(x, 0, b * dim),
                                new Shape(b, inChannels, height, width));
                        NDArray ys = m.create(java.nio.FloatBuffer.wrap(y, 0, b), new Shape(b));
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(new NDList(xs)).singletonOrThrow();
                            NDArray loss = trainer.getLoss().evaluate(new NDList(ys), new NDList(out));
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                    passes += b;
                    progress.step(b);
                }
            }
        } finally {
            progress.finish();
        }
        return passes;
    }

    /** Normalises one raw sample into {@code dst[off..]}, with a random shift and flip when {@code rng} is given. */
    private void prepare(float[] raw, float[] dst, int off, Rng rng) {
        int plane = height * width;
        if (rng == null) {
            for (int i = 0; i < raw.length; i++) {
                dst[off + i] = (raw[i] - inMean) / inStd;
            }
            return;
        }
        int dy = rng.nextInt(5) - 2;
        int dx = rng.nextInt(5) - 2;
        boolean flip = rng.nextInt(2) == 1;
        float background = (0.0f - inMean) / inStd;
        for (int c = 0; c < inChannels; c++) {
            for (int yy = 0; yy < height; yy++) {
                int sy = yy + dy;
                for (int xx = 0; xx < width; xx++) {
                    int sx = (flip ? width - 1 - xx : xx) + dx;
                    float v = sy < 0 || sy >= height || sx < 0 || sx >= width ? background
                            : (raw[c * plane + sy * width + sx] - inMean) / inStd;
                    dst[off + c * plane + yy * width + xx] = v;
                }
            }
        }
    }

    /** Class scores computed by PyTorch in inference mode (for checking {@link CnnWeights} against it). */
    float[] engineLogits(Dataset data, int[] rows) {
        int dim = inChannels * height * width;
        float[] x = new float[rows.length * dim];
        float[] raw = new float[dim];
        for (int i = 0; i < rows.length; i++) {
            data.copyRow(rows[i], raw, 0);
            prepare(raw, x, i * dim, null);
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray xs = m.create(java.nio.FloatBuffer.wrap(x), new Shape(rows.length, inChannels, height, width));
            NDList out = model.getBlock().forward(new ai.djl.training.ParameterStore(m, false), new NDList(xs), false);
            return out.singletonOrThrow().toFloatArray();
        }
    }

    /** A copy of every parameter (and batch-norm statistic), in block order: a checkpoint. */
    public float[][] snapshot() {
        List<float[]> list = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            list.add(p.getValue().getArray().toFloatArray());
        }
        return list.toArray(new float[0][]);
    }

    /** Loads a {@link #snapshot()} of a network with the same specification. */
    public void restore(float[][] snapshot) {
        int i = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            p.getValue().getArray().set(snapshot[i++]);
        }
    }

    /** The current parameters laid out for deterministic Java inference. */
    public CnnWeights weights() {
        int[] ch = spec.channels();
        float[][] w = new float[ch.length][];
        float[][] sc = new float[ch.length][];
        float[][] sh = new float[ch.length][];
        int cin = inChannels;
        for (int l = 0; l < ch.length; l++) {
            int f = ch[l];
            float[] cw = param(convs.get(l), "weight");
            float[] cb = param(convs.get(l), "bias");
            float[] gamma = param(norms.get(l), "gamma");
            float[] beta = param(norms.get(l), "beta");
            float[] mean = param(norms.get(l), "runningMean");
            float[] var = param(norms.get(l), "runningVar");
            float[] b = new float[9 * cin * f];
            for (int o = 0; o < f; o++) {
                for (int c = 0; c < cin; c++) {
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            b[((ky * 3 + kx) * cin + c) * f + o] = cw[((o * cin + c) * 3 + ky) * 3 + kx];
                        }
                    }
                }
            }
            w[l] = b;
            sc[l] = new float[f];
            sh[l] = new float[f];
            for (int o = 0; o < f; o++) {
                double s = gamma[o] / Math.sqrt((double) var[o] + BN_EPS);
                sc[l][o] = (float) s;
                sh[l][o] = (float) (beta[o] + ((double) cb[o] - mean[o]) * s);
            }
            cin = f;
        }
        int s = height >> ch.length;
        int t = width >> ch.length;
        int flat = s * t * cin;
        int dim = spec.dim();
        float[] fw = param(fc, "weight");
        float[] fcW = new float[flat * dim];
        for (int o = 0; o < dim; o++) {
            for (int c = 0; c < cin; c++) {
                for (int yy = 0; yy < s; yy++) {
                    for (int xx = 0; xx < t; xx++) {
                        fcW[((yy * t + xx) * cin + c) * dim + o] = fw[o * flat + (c * s + yy) * t + xx];
                    }
                }
            }
        }
        float[] hw = param(head, "weight");
        float[] headW = new float[dim * classes];
        for (int o = 0; o < classes; o++) {
            for (int i = 0; i < dim; i++) {
                headW[i * classes + o] = hw[o * dim + i];
            }
        }
        return new CnnWeights(inChannels, height, width, inMean, inStd, ch, w, sc, sh, dim, fcW, param(fc, "bias"),
                classes, headW, param(head, "bias"));
    }

    private static float[] param(ai.djl.nn.Block block, String name) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            if (p.getKey().equals(name)) {
                return p.getValue().getArray().toFloatArray();
            }
        }
        throw new IllegalStateException("no parameter " + name + " in " + block);
    }

    @Override
    public void close() {
        model.close();
    }
}
