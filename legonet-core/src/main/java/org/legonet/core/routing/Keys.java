package org.legonet.core.routing;

import org.legonet.core.Distance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import org.legonet.core.LegoNetException;
import org.legonet.core.util.Digests;

/**
 * The n frozen adapter keys in encoding space, with the per-key offsets that balance the routing
 * and the temperature used by similarity-weighted aggregation. Built from the public split only
 * (docs/design.md, contract points 1 and 2) and never changed afterwards. Immutable.
 */
public final class Keys {
    private static final int MAGIC = 0x4B455931; // "KEY1"
    private final int count;
    private final int dim;
    private final Distance distance;
    private final float[] keys;
    private final double[] offsets;
    private final double temperature;
    private final double[] norms;

    /**
     * @param keys        {@code count * dim} values, row-major (copied)
     * @param offsets     one per key, subtracted from the distance before ranking (copied)
     * @param temperature positive scale of distances for weighted aggregation
     */
    public Keys(int count, int dim, Distance distance, float[] keys, double[] offsets, double temperature) {
        if (count <= 0 || dim <= 0 || keys.length != count * dim || offsets.length != count) {
            throw new IllegalArgumentException("keys: count " + count + ", dim " + dim + ", " + keys.length
                    + " values, " + offsets.length + " offsets");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        this.count = count;
        this.dim = dim;
        this.distance = distance;
        this.keys = keys.clone();
        this.offsets = offsets.clone();
        this.temperature = temperature;
        this.norms = new double[count];
        for (int j = 0; j < count; j++) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                double v = keys[j * dim + d];
                s += v * v;
            }
            norms[j] = Math.sqrt(s);
        }
    }

    public int count() {
        return count;
    }

    public int dim() {
        return dim;
    }

    public Distance distance() {
        return distance;
    }

    public double temperature() {
        return temperature;
    }

    /** A copy of the offsets. */
    public double[] offsets() {
        return offsets.clone();
    }

    /** The same keys and distance with other offsets (used while calibrating). */
    public Keys withOffsets(double[] newOffsets, double newTemperature) {
        return new Keys(count, dim, distance, keys, newOffsets, newTemperature);
    }

    /** A copy of key {@code j}. */
    public float[] key(int j) {
        float[] out = new float[dim];
        System.arraycopy(keys, j * dim, out, 0, dim);
        return out;
    }

    /**
     * The raw distance from {@code x[off .. off + dim)} to key {@code j}, in double precision with a
     * fixed summation order.
     */
    public double distance(float[] x, int off, int j) {
        int k = j * dim;
        if (distance == Distance.L2) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                double t = (double) x[off + d] - keys[k + d];
                s += t * t;
            }
            return s;
        }
        double dot = 0;
        double nx = 0;
        for (int d = 0; d < dim; d++) {
            double v = x[off + d];
            dot += v * keys[k + d];
            nx += v * v;
        }
        double denom = Math.sqrt(nx) * norms[j];
        return denom == 0 ? 1.0 : 1.0 - dot / denom;
    }

    /** The ranking score of key j: distance minus the key's offset; lower is nearer. */
    public double score(float[] x, int off, int j) {
        return distance(x, off, j) - offsets[j];
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(24 + 4 * keys.length + 8 * count).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(count).putInt(dim).putInt(distance.ordinal()).putDouble(temperature);
        for (float v : keys) {
            b.putFloat(v);
        }
        for (double v : offsets) {
            b.putDouble(v);
        }
        return b.array();
    }

    public static Keys fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 24 || b.getInt() != MAGIC) {
            throw new LegoNetException("keys file is not a LegoNet keys file");
        }
        int count = b.getInt();
        int dim = b.getInt();
        int dist = b.getInt();
        double temperature = b.getDouble();
        if (count <= 0 || dim <= 0 || dist < 0 || dist >= Distance.values().length
                || bytes.length != 24L + 4L * count * dim + 8L * count) {
            throw new LegoNetException("keys file is corrupted (header says " + count + " keys of dimension " + dim
                    + ", file has " + bytes.length + " bytes)");
        }
        float[] k = new float[count * dim];
        for (int i = 0; i < k.length; i++) {
            k[i] = b.getFloat();
        }
        double[] o = new double[count];
        for (int i = 0; i < count; i++) {
            o[i] = b.getDouble();
        }
        return new Keys(count, dim, Distance.values()[dist], k, o, temperature);
    }

    /** SHA-256 of {@link #toBytes()}, hex. */
    public String digest() {
        MessageDigest md = Digests.sha256();
        md.update(toBytes());
        return Digests.hex(md.digest());
    }
}
