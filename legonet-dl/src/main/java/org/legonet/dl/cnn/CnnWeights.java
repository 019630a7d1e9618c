package org.legonet.dl.cnn;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.legonet.core.LegoNetException;
import org.legonet.core.kernel.Gemm;

/**
 * A trained CNN's weights, laid out for inference in Java on core's deterministic GEMM, with batch
 * normalisation folded into a per-channel scale and shift.
 *
 * <p>Why inference has its own path: the encoder must give a sample the same bits whether it is
 * encoded alone, in a batch, on any thread count or vector width (docs/design.md, contract point 4;
 * {@code verify} re-encodes the retained data and compares bits). Here every output element
 * accumulates in one fixed order (core's {@link Gemm}) and each sample is computed on its own, so the
 * promise holds by construction. {@link CnnNetwork} trains the network and folds its batch
 * normalisation into these weights; the trainer's own inference pass agrees to rounding.
 *
 * <p>Activations are kept channel-last (HWC); a 3x3 convolution is an im2col matrix product whose
 * reduction index runs over (ky, kx, input channel).
 */
public final class CnnWeights {
    private static final int MAGIC = 0x434E4E31; // "CNN1"
    final int inChannels;
    final int height;
    final int width;
    final float inMean;
    final float inStd;
    final int[] channels;
    final float[][] convW;      // per block: (9 * cin) x cout
    final float[][] convScale;  // per block: cout
    final float[][] convShift;  // per block: cout
    final int flatDim;
    final int dim;
    final float[] fcW;          // flatDim x dim
    final float[] fcB;          // dim
    final int classes;
    final float[] headW;        // dim x classes
    final float[] headB;        // classes

    CnnWeights(int inChannels, int height, int width, float inMean, float inStd, int[] channels, float[][] convW,
               float[][] convScale, float[][] convShift, int dim, float[] fcW, float[] fcB, int classes,
               float[] headW, float[] headB) {
        this.inChannels = inChannels;
        this.height = height;
        this.width = width;
        this.inMean = inMean;
        this.inStd = inStd;
        this.channels = channels.clone();
        this.convW = convW;
        this.convScale = convScale;
        this.convShift = convShift;
        int h = height;
        int w = width;
        for (int i = 0; i < channels.length; i++) {
            h /= 2;
            w /= 2;
        }
        this.flatDim = h * w * channels[channels.length - 1];
        this.dim = dim;
        this.fcW = fcW;
        this.fcB = fcB;
        this.classes = classes;
        this.headW = headW;
        this.headB = headB;
        if (fcW.length != flatDim * dim || fcB.length != dim || headW.length != dim * classes
                || headB.length != classes) {
            throw new LegoNetException("cnn weights have inconsistent shapes");
        }
    }

    public int inputDim() {
        return inChannels * height * width;
    }

    public int dim() {
        return dim;
    }

    public int classes() {
        return classes;
    }

    /**
     * Trainable parameters of the network these weights came from: convolution weights and biases,
     * batch-norm scale and shift (the running statistics are not trained), the encoding layer and the
     * classifier.
     */
    public long parameterCount() {
        long n = fcW.length + fcB.length + headW.length + headB.length;
        for (int l = 0; l < channels.length; l++) {
            n += convW[l].length + 3L * channels[l];
        }
        return n;
    }

    /** Scratch buffers for one thread; reuse across samples. */
    public final class Workspace {
        final float[] a;
        final float[] b;
        final float[] col;
        final float[] enc = new float[dim];

        Workspace() {
            int maxAct = inChannels * height * width;
            int maxCol = 0;
            int h = height;
            int w = width;
            int cin = inChannels;
            for (int c : channels) {
                maxAct = Math.max(maxAct, h * w * c);
                maxCol = Math.max(maxCol, h * w * 9 * cin);
                cin = c;
                h /= 2;
                w /= 2;
            }
            a = new float[maxAct];
            b = new float[maxAct];
            col = new float[maxCol];
        }
    }

    public Workspace workspace() {
        return new Workspace();
    }

    /**
     * Encodes one raw sample ({@code x[off .. off + inputDim())}, channel-first as stored) into
     * {@code out[outOff .. outOff + dim)}.
     */
    public void encode(float[] x, int off, float[] out, int outOff, Workspace ws) {
        float[] cur = ws.a;
        float[] next = ws.b;
        int h = height;
        int w = width;
        int cin = inChannels;
        int plane = h * w;
        for (int c = 0; c < cin; c++) {
            for (int p = 0; p < plane; p++) {
                cur[p * cin + c] = (x[off + c * plane + p] - inMean) / inStd;
            }
        }
        for (int l = 0; l < channels.length; l++) {
            int cout = channels[l];
            int k = 9 * cin;
            float[] col = ws.col;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    int row = (y * w + xx) * k;
                    for (int ky = 0; ky < 3; ky++) {
                        int sy = y + ky - 1;
                        for (int kx = 0; kx < 3; kx++) {
                            int sx = xx + kx - 1;
                            int dst = row + (ky * 3 + kx) * cin;
                            if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
                                Arrays.fill(col, dst, dst + cin, 0.0f);
                            } else {
                                System.arraycopy(cur, (sy * w + sx) * cin, col, dst, cin);
                            }
                        }
                    }
                }
            }
            int m = h * w;
            Arrays.fill(next, 0, m * cout, 0.0f);
            Gemm.mulAdd(m, cout, k, col, 0, k, 1, convW[l], 0, cout, next, 0, cout);
            float[] sc = convScale[l];
            float[] sh = convShift[l];
            for (int i = 0; i < m; i++) {
                int o = i * cout;
                for (int f = 0; f < cout; f++) {
                    float v = next[o + f] * sc[f] + sh[f];
                    next[o + f] = v > 0.0f ? v : 0.0f;
                }
            }
            // 2x2 max-pooling, stride 2 (floor), from next into cur
            int ho = h / 2;
            int wo = w / 2;
            for (int y = 0; y < ho; y++) {
                for (int xx = 0; xx < wo; xx++) {
                    int d = (y * wo + xx) * cout;
                    int s00 = ((2 * y) * w + 2 * xx) * cout;
                    int s01 = s00 + cout;
                    int s10 = s00 + w * cout;
                    int s11 = s10 + cout;
                    for (int f = 0; f < cout; f++) {
                        cur[d + f] = Math.max(Math.max(next[s00 + f], next[s01 + f]),
                                Math.max(next[s10 + f], next[s11 + f]));
                    }
                }
            }
            h = ho;
            w = wo;
            cin = cout;
        }
        float[] enc = ws.enc;
        System.arraycopy(fcB, 0, enc, 0, dim);
        Gemm.mulAdd(1, dim, flatDim, cur, 0, flatDim, 1, fcW, 0, dim, enc, 0, dim);
        for (int i = 0; i < dim; i++) {
            out[outOff + i] = enc[i] > 0.0f ? enc[i] : 0.0f;
        }
    }

    /** Class scores of the full network for one raw sample, into {@code logits[0 .. classes)}. */
    public void logits(float[] x, int off, float[] logits, Workspace ws) {
        float[] e = new float[dim];
        encode(x, off, e, 0, ws);
        System.arraycopy(headB, 0, logits, 0, classes);
        Gemm.mulAdd(1, classes, dim, e, 0, dim, 1, headW, 0, classes, logits, 0, classes);
    }

    /** Serialises every weight (the encoder's state in the model store). */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bo);
            out.writeInt(MAGIC);
            out.writeInt(inChannels);
            out.writeInt(height);
            out.writeInt(width);
            out.writeFloat(inMean);
            out.writeFloat(inStd);
            out.writeInt(channels.length);
            for (int l = 0; l < channels.length; l++) {
                out.writeInt(channels[l]);
                writeArray(out, convW[l]);
                writeArray(out, convScale[l]);
                writeArray(out, convShift[l]);
            }
            out.writeInt(dim);
            writeArray(out, fcW);
            writeArray(out, fcB);
            out.writeInt(classes);
            writeArray(out, headW);
            writeArray(out, headB);
            out.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeArray(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float v : a) {
            out.writeFloat(v);
        }
    }

    private static float[] readArray(DataInputStream in, int expected) throws IOException {
        int n = in.readInt();
        if (n != expected) {
            throw new LegoNetException("cnn encoder state is corrupted (array of " + n + " values where "
                    + expected + " were expected)");
        }
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = in.readFloat();
            if (!Float.isFinite(a[i])) {
                throw new LegoNetException("cnn encoder state is corrupted (a weight is NaN or infinite)");
            }
        }
        return a;
    }

    /** Reads {@link #toBytes()} back. */
    public static CnnWeights fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw new LegoNetException("not a cnn encoder state (bad magic)");
            }
            int inChannels = in.readInt();
            int height = in.readInt();
            int width = in.readInt();
            float mean = in.readFloat();
            float std = in.readFloat();
            int blocks = in.readInt();
            if (inChannels < 1 || inChannels > 64 || height < 2 || width < 2 || height > 4096 || width > 4096
                    || blocks < 1 || blocks > 5 || (height >> blocks) < 1 || (width >> blocks) < 1
                    || !(std > 0) || !Float.isFinite(std) || !Float.isFinite(mean)) {
                throw new LegoNetException("cnn encoder state is corrupted (bad header)");
            }
            int[] channels = new int[blocks];
            float[][] w = new float[blocks][];
            float[][] sc = new float[blocks][];
            float[][] sh = new float[blocks][];
            int cin = inChannels;
            for (int l = 0; l < blocks; l++) {
                channels[l] = in.readInt();
                if (channels[l] < 1 || channels[l] > 1024) {
                    throw new LegoNetException("cnn encoder state is corrupted (bad channel count)");
                }
                w[l] = readArray(in, 9 * cin * channels[l]);
                sc[l] = readArray(in, channels[l]);
                sh[l] = readArray(in, channels[l]);
                cin = channels[l];
            }
            int h = height >> blocks;
            int wd = width >> blocks;
            int flat = h * wd * cin;
            int dim = in.readInt();
            if (dim < 1 || dim > 8192) {
                throw new LegoNetException("cnn encoder state is corrupted (bad encoding size)");
            }
            float[] fcW = readArray(in, flat * dim);
            float[] fcB = readArray(in, dim);
            int classes = in.readInt();
            if (classes < 1 || classes > 100_000) {
                throw new LegoNetException("cnn encoder state is corrupted (bad class count)");
            }
            float[] headW = readArray(in, dim * classes);
            float[] headB = readArray(in, classes);
            if (in.read() != -1) {
                throw new LegoNetException("cnn encoder state is corrupted (trailing bytes)");
            }
            return new CnnWeights(inChannels, height, width, mean, std, channels, w, sc, sh, dim, fcW, fcB, classes,
                    headW, headB);
        } catch (IOException e) {
            throw new LegoNetException("cnn encoder state is truncated or corrupted", e);
        }
    }
}
