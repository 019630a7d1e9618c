package org.legonet.dl.cnn;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.EncoderProvider;
import org.legonet.core.Progress;

/**
 * {@code --encoder cnn[:options]}: a small convolutional network trained on the public split only,
 * then frozen. Its encoding is the ReLU output of the fully connected layer before the classifier.
 * Training runs in Java on core's deterministic kernels ({@link CnnNetwork}), so the encoder is a pure
 * function of the public split, the recipe and the seed: the same bits in any process, on any thread
 * count, vector width, JDK and CPU. Inference runs in Java too ({@link CnnWeights}), one sample at a
 * time on core's deterministic GEMM, so an encoding has the same bits alone or in a batch.
 *
 * <p>The state holds the full recipe ({@link CnnSpec#canonical()}) and every weight, so the model
 * directory rebuilds the encoder without retraining it, and the fingerprint covers the weights.
 */
public final class CnnEncoder implements Encoder {
    private static final int MAGIC = 0x434E4545; // "CNEE"
    private final String spec;
    private final String recipe;
    private final CnnWeights weights;
    private final ThreadLocal<CnnWeights.Workspace> workspace;

    CnnEncoder(String spec, String recipe, CnnWeights weights) {
        this.spec = spec;
        this.recipe = recipe;
        this.weights = weights;
        this.workspace = ThreadLocal.withInitial(weights::workspace);
    }

    /** Wraps trained weights as an encoder named {@code spec}. */
    public static CnnEncoder of(String spec, CnnWeights weights) {
        return new CnnEncoder(spec, CnnSpec.parse(spec).canonical(), weights);
    }

    @Override
    public String spec() {
        return spec;
    }

    /** Every training option, spelled out. */
    public String recipe() {
        return recipe;
    }

    public CnnWeights weights() {
        return weights;
    }

    @Override
    public int inputDim() {
        return weights.inputDim();
    }

    @Override
    public int outputDim() {
        return weights.dim();
    }

    @Override
    public void encode(float[] in, int rows, float[] out) {
        CnnWeights.Workspace ws = workspace.get();
        int d = inputDim();
        int o = outputDim();
        for (int r = 0; r < rows; r++) {
            weights.encode(in, r * d, out, r * o, ws);
        }
    }

    @Override
    public byte[] state() {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bo);
            out.writeInt(MAGIC);
            byte[] r = recipe.getBytes(StandardCharsets.UTF_8);
            out.writeInt(r.length);
            out.write(r);
            out.write(weights.toBytes());
            out.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static CnnEncoder fromState(String spec, int inputDim, byte[] state) {
        ByteBuffer b = ByteBuffer.wrap(state);
        if (state.length < 8 || b.getInt() != MAGIC) {
            throw new LegoNetException("the stored cnn encoder is corrupted or not a cnn encoder (bad magic)");
        }
        int len = b.getInt();
        if (len < 0 || len > 4096 || len > b.remaining()) {
            throw new LegoNetException("the stored cnn encoder is corrupted (bad recipe length)");
        }
        String recipe = new String(state, 8, len, StandardCharsets.UTF_8);
        CnnSpec stored;
        try {
            stored = CnnSpec.parse(recipe);
        } catch (LegoNetException e) {
            throw new LegoNetException("the stored cnn encoder is corrupted (unreadable recipe)", e);
        }
        CnnWeights w = CnnWeights.fromBytes(Arrays.copyOfRange(state, 8 + len, state.length));
        if (!Arrays.equals(stored.channels(), w.channels) || stored.dim() != w.dim()) {
            throw new LegoNetException("the stored cnn encoder is corrupted (its recipe " + recipe
                    + " does not match its weights)");
        }
        if (!stored.equals(CnnSpec.parse(spec))) {
            throw new LegoNetException("the stored cnn encoder was trained as " + recipe + ", not as " + spec);
        }
        if (w.inputDim() != inputDim) {
            throw new LegoNetException("the stored cnn encoder takes " + w.inputDim() + " features, the manifest says "
                    + inputDim);
        }
        return new CnnEncoder(spec, recipe, w);
    }

    /** Finds {@code cnn} and {@code cnn:...} through {@link java.util.ServiceLoader}. */
    public static final class Provider implements EncoderProvider {
        @Override
        public boolean supports(String spec) {
            return CnnSpec.matches(spec);
        }

        @Override
        public Encoder fit(String spec, Dataset pub, long seed, Progress progress) {
            CnnSpec s = CnnSpec.parse(spec);
            if (pub.size() < 2) {
                throw new LegoNetException("the cnn encoder needs public samples to train on, got " + pub.size());
            }
            int classes = pub.labelBound();
            float[] stats = CnnNetwork.inputStats(pub);
            int[] rows = new int[pub.size()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            CnnNetwork net = new CnnNetwork(s, pub.sampleShape(), classes, stats[0], stats[1], seed,
                    CnnNetwork.defaultThreads());
            net.fit(pub, rows, s.epochs(), seed ^ 0x5DEECE66DL, progress, "train " + spec + " on " + pub.size()
                    + " public samples (" + s.epochs() + (s.epochs() == 1 ? " epoch)" : " epochs)"));
            return new CnnEncoder(spec, s.canonical(), net.weights());
        }

        @Override
        public Encoder restore(String spec, int inputDim, byte[] state) {
            return fromState(spec, inputDim, state);
        }

        @Override
        public String usage() {
            return CnnSpec.usage();
        }
    }
}
