package org.legonet.core.store;

import org.legonet.core.StoreException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * The payload of a raw-samples chunk file: the retained private samples of one chunk exactly as
 * they were given (ids, labels, features), which is what {@code verify} rebuilds a model from.
 *
 * <pre>
 * int rows, int dim, int width (1 = features stored as unsigned bytes, 4 = float32)
 * long[rows] ids, int[rows] labels, features[rows * dim] (little-endian)
 * </pre>
 *
 * Dropping rows copies byte ranges; features are never decoded and re-encoded on that path.
 */
final class RawChunk {
    final int rows;
    final int dim;
    final int width;
    private final ByteBuffer buf;

    private RawChunk(byte[] payload, String what) {
        buf = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        if (payload.length < 12) {
            throw new StoreException("raw chunk " + what + " is truncated");
        }
        rows = buf.getInt(0);
        dim = buf.getInt(4);
        width = buf.getInt(8);
        if (rows < 0 || dim <= 0 || (width != 1 && width != 4)
                || payload.length != 12L + rows * 12L + (long) rows * dim * width) {
            throw new StoreException("raw chunk " + what + " is corrupted (header does not match its size)");
        }
    }

    static RawChunk parse(byte[] payload, String what) {
        return new RawChunk(payload, what);
    }

    /** Encodes samples; {@code u8} stores each feature (an integer in 0..255) as one byte. */
    static byte[] encode(long[] ids, int[] labels, float[] features, int dim, boolean u8) {
        int n = ids.length;
        int width = u8 ? 1 : 4;
        ByteBuffer w = ByteBuffer.allocate(12 + n * 12 + n * dim * width).order(ByteOrder.LITTLE_ENDIAN);
        w.putInt(n).putInt(dim).putInt(width);
        w.asLongBuffer().put(ids);
        w.position(w.position() + 8 * n);
        w.asIntBuffer().put(labels);
        w.position(w.position() + 4 * n);
        if (u8) {
            byte[] b = new byte[n * dim];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) features[i];
            }
            w.put(b);
        } else {
            w.asFloatBuffer().put(features, 0, n * dim);
        }
        return w.array();
    }

    long id(int row) {
        return buf.getLong(12 + 8 * row);
    }

    int label(int row) {
        return buf.getInt(12 + 8 * rows + 4 * row);
    }

    private int featureOffset() {
        return 12 + 12 * rows;
    }

    /** All ids, in row order. */
    long[] ids() {
        long[] out = new long[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = id(r);
        }
        return out;
    }

    /** All labels, in row order. */
    int[] labels() {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = label(r);
        }
        return out;
    }

    /** Decodes the features of every row into {@code dst[off ..]}. */
    void features(float[] dst, int off) {
        byte[] a = buf.array();
        int base = featureOffset();
        int n = rows * dim;
        if (width == 1) {
            for (int i = 0; i < n; i++) {
                dst[off + i] = a[base + i] & 0xFF;
            }
        } else {
            ByteBuffer.wrap(a, base, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, off, n);
        }
    }

    /** The payload this chunk was parsed from. */
    byte[] payload() {
        return buf.array();
    }

    /**
     * The rows of payload {@code a} followed by those of payload {@code b} (same dimension and
     * width), as a new payload; byte ranges are copied, features never decoded.
     */
    static byte[] concat(byte[] a, byte[] b) {
        RawChunk x = parse(a, "to extend");
        RawChunk y = parse(b, "to append");
        if (x.dim != y.dim || x.width != y.width) {
            throw new IllegalArgumentException("raw chunks of different layouts cannot be joined");
        }
        int rows = x.rows + y.rows;
        ByteBuffer w = ByteBuffer.allocate(12 + rows * 12 + rows * x.dim * x.width).order(ByteOrder.LITTLE_ENDIAN);
        w.putInt(rows).putInt(x.dim).putInt(x.width);
        w.put(a, 12, 8 * x.rows).put(b, 12, 8 * y.rows);
        w.put(a, 12 + 8 * x.rows, 4 * x.rows).put(b, 12 + 8 * y.rows, 4 * y.rows);
        w.put(a, x.featureOffset(), x.rows * x.dim * x.width).put(b, y.featureOffset(), y.rows * y.dim * y.width);
        return w.array();
    }

    /** This chunk without the rows whose id is in {@code erased}, as a new payload. */
    byte[] without(Set<Long> erased) {
        int keep = 0;
        boolean[] kept = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            kept[r] = !erased.contains(id(r));
            if (kept[r]) {
                keep++;
            }
        }
        int row = dim * width;
        ByteBuffer w = ByteBuffer.allocate(12 + keep * 12 + keep * row).order(ByteOrder.LITTLE_ENDIAN);
        w.putInt(keep).putInt(dim).putInt(width);
        for (int r = 0; r < rows; r++) {
            if (kept[r]) {
                w.putLong(id(r));
            }
        }
        for (int r = 0; r < rows; r++) {
            if (kept[r]) {
                w.putInt(label(r));
            }
        }
        byte[] a = buf.array();
        int base = featureOffset();
        for (int r = 0; r < rows; r++) {
            if (kept[r]) {
                w.put(a, base + r * row, row);
            }
        }
        return w.array();
    }
}
