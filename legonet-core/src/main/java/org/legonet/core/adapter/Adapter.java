package org.legonet.core.adapter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import org.legonet.core.LegoNetException;
import org.legonet.core.kernel.FastMath;
import org.legonet.core.kernel.Gemm;
import org.legonet.core.util.Digests;

/**
 * A trained adapter: a small dense network from an encoding to class probabilities, with its
 * provenance (seed, number of samples and a digest of the exact sample set it was trained on).
 * Immutable and thread-safe.
 *
 * <p>Parameters are laid out layer by layer, each as a row-major {@code in x out} weight matrix
 * followed by {@code out} biases. The output layer is padded to a multiple of 16 columns with
 * zeros (so kernels run whole vectors); the padding never changes and is not counted as a
 * parameter.
 */
public final class Adapter {
    private static final int MAGIC = 0x41445031; // "ADP1"
    /** Output columns are padded to a multiple of this. */
    public static final int CLASS_PAD = 16;

    private final AdapterSpec spec;
    private final int index;
    private final int inputDim;
    private final int classes;
    private final long seed;
    private final int samples;
    private final String sampleSetDigest;
    private final float[] params;
    private final Layout layout;
    private final String digest;

    Adapter(AdapterSpec spec, int index, int inputDim, int classes, long seed, int samples, String sampleSetDigest,
            float[] params) {
        this.spec = spec;
        this.index = index;
        this.inputDim = inputDim;
        this.classes = classes;
        this.seed = seed;
        this.samples = samples;
        this.sampleSetDigest = sampleSetDigest;
        this.params = params;
        this.layout = layout(spec, inputDim, classes);
        if (params.length != layout.total) {
            throw new IllegalArgumentException("adapter " + index + ": " + params.length + " parameters, expected "
                    + layout.total);
        }
        MessageDigest md = Digests.sha256();
        md.update(headerBytes());
        Digests.update(md, params);
        this.digest = Digests.hex(md.digest());
    }

    /** Padded widths and parameter offsets of a network. */
    static final class Layout {
        final int[] widths;
        final int[] padded;
        final int[] weightOff;
        final int[] biasOff;
        final int total;

        Layout(AdapterSpec spec, int in, int classes) {
            widths = spec.widths(in, classes);
            padded = widths.clone();
            int last = widths.length - 1;
            padded[last] = (classes + CLASS_PAD - 1) / CLASS_PAD * CLASS_PAD;
            weightOff = new int[widths.length];
            biasOff = new int[widths.length];
            int off = 0;
            for (int l = 1; l < widths.length; l++) {
                weightOff[l] = off;
                off += padded[l - 1] * padded[l];
                biasOff[l] = off;
                off += padded[l];
            }
            total = off;
        }

        int layers() {
            return widths.length - 1;
        }
    }

    static Layout layout(AdapterSpec spec, int in, int classes) {
        return new Layout(spec, in, classes);
    }

    public AdapterSpec spec() {
        return spec;
    }

    /** This adapter's index in the model. */
    public int index() {
        return index;
    }

    public int inputDim() {
        return inputDim;
    }

    public int classes() {
        return classes;
    }

    /** The seed it was trained with, derived from the model seed and {@link #index()} only. */
    public long seed() {
        return seed;
    }

    /** Samples it was trained on. */
    public int samples() {
        return samples;
    }

    /** SHA-256 over the ids, labels and encodings of the samples it was trained on, in id order. */
    public String sampleSetDigest() {
        return sampleSetDigest;
    }

    /** Trainable parameters (padding excluded). */
    public long parameterCount() {
        return spec.parameters(inputDim, classes);
    }

    /** SHA-256 over the architecture, provenance and the exact bits of every parameter, hex. */
    public String digest() {
        return digest;
    }

    /** A copy of the parameters (padded layout). */
    public float[] parameters() {
        return params.clone();
    }

    /**
     * Class probabilities for {@code rows} encodings: reads {@code x[0 .. rows * inputDim)}, writes
     * {@code out[0 .. rows * classes)}. Only {@code out} is modified. Each row's result does not
     * depend on the other rows.
     */
    public void predictProba(float[] x, int rows, float[] out) {
        Layout lay = layout;
        float[] in = x;
        float[] act = null;
        for (int l = 1; l <= lay.layers(); l++) {
            int w = lay.padded[l];
            act = new float[rows * w];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(params, lay.biasOff[l], act, r * w, w);
            }
            Gemm.mulAdd(rows, w, lay.padded[l - 1], in, 0, lay.padded[l - 1], 1, params, lay.weightOff[l], w, act, 0, w);
            if (l < lay.layers()) {
                for (int i = 0; i < act.length; i++) {
                    act[i] = Math.max(act[i], 0.0f);
                }
            }
            in = act;
        }
        int w = lay.padded[lay.layers()];
        for (int r = 0; r < rows; r++) {
            FastMath.softmaxInPlace(act, r * w, classes);
            System.arraycopy(act, r * w, out, r * classes, classes);
        }
    }

    private byte[] headerBytes() {
        int[] hidden = spec.hidden();
        ByteBuffer b = ByteBuffer.allocate(36 + 4 * hidden.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(index).putInt(inputDim).putInt(classes).putLong(seed).putInt(samples)
                .putInt(params.length).putInt(hidden.length);
        for (int h : hidden) {
            b.putInt(h);
        }
        return b.array();
    }

    /** The binary form stored in the model store: header, sample-set digest, parameters. */
    public byte[] toBytes() {
        byte[] head = headerBytes();
        byte[] ssd = sampleSetDigest.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(head.length + 4 + ssd.length + 4 * params.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(head).putInt(ssd.length).put(ssd);
        for (float p : params) {
            b.putFloat(p);
        }
        return b.array();
    }

    /** Reads {@link #toBytes()}; a foreign or damaged file is a {@link LegoNetException}. */
    public static Adapter fromBytes(byte[] bytes, String what) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != MAGIC) {
                throw new LegoNetException(what + " is not a LegoNet adapter file");
            }
            int index = b.getInt();
            int inputDim = b.getInt();
            int classes = b.getInt();
            long seed = b.getLong();
            int samples = b.getInt();
            int count = b.getInt();
            int layers = b.getInt();
            if (layers < 0 || layers > 64 || inputDim <= 0 || classes <= 0 || count < 0) {
                throw new LegoNetException(what + " has a corrupted header");
            }
            int[] hidden = new int[layers];
            for (int i = 0; i < layers; i++) {
                hidden[i] = b.getInt();
            }
            int len = b.getInt();
            if (len != 64) {
                throw new LegoNetException(what + " has a corrupted sample-set digest");
            }
            byte[] ssd = new byte[len];
            b.get(ssd);
            if (b.remaining() != 4L * count) {
                throw new LegoNetException(what + " holds " + b.remaining() + " parameter bytes, header says " + 4L * count);
            }
            float[] params = new float[count];
            b.asFloatBuffer().get(params);
            return new Adapter(new AdapterSpec(hidden), index, inputDim, classes, seed, samples,
                    new String(ssd, java.nio.charset.StandardCharsets.US_ASCII), params);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new LegoNetException(what + " is truncated or corrupted", e);
        }
    }

    @Override
    public String toString() {
        return "adapter " + index + " (" + spec + ", " + samples + " samples, " + digest.substring(0, 12) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Adapter && ((Adapter) o).digest.equals(digest);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }
}
