package org.legonet.bench;

import java.util.ArrayList;
import java.util.List;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;

/**
 * A private split grown deterministically to {@code factor} times its size, for the scaling study: copy 0 is the
 * split itself, copy v &gt; 0 is every image shifted and/or mirrored by the v-th transform of a fixed list (shifts of
 * up to 2 pixels in x and y, with and without a left-right flip; pixels shifted in are 0), with the fresh id
 * {@code v * stride + id}, where {@code stride} is the smallest power of ten above every id. Labels are kept (a
 * mirrored or slightly shifted garment is the same garment). The same split and factor always give the same bits.
 */
public final class GrownData {
    /** The transforms in order: {dx, dy, flip}; at most {@link #MAX_FACTOR} - 1 of them. */
    private static final List<int[]> TRANSFORMS = transforms();

    /** The largest factor: the identity and 49 transforms. */
    public static final int MAX_FACTOR = TRANSFORMS.size() + 1;

    private GrownData() {
    }

    /** {@code priv} grown to {@code factor} copies (factor 1: {@code priv} itself). */
    public static Dataset grow(Dataset priv, int factor) {
        return grow(priv, factor, 0);
    }

    /**
     * {@code priv} grown to {@code factor} copies, with ids {@code v * stride + id} where {@code stride} is the
     * smallest power of ten above every id and at least {@code minStride} (so that two splits grown with the same
     * stride keep disjoint ids).
     */
    public static Dataset grow(Dataset priv, int factor, long minStride) {
        if (factor < 1 || factor > MAX_FACTOR) {
            throw new LegoNetException("the scale factor must be in 1.." + MAX_FACTOR + ", got " + factor);
        }
        if (factor == 1) {
            return priv;
        }
        int[] shape = priv.sampleShape();
        int h;
        int w;
        if (shape != null && shape.length == 2) {
            h = shape[0];
            w = shape[1];
        } else if (shape != null && shape.length == 3 && shape[0] == 1) {
            h = shape[1];
            w = shape[2];
        } else {
            throw new LegoNetException("growing the data needs images (a sample shape of [H, W] or [1, H, W]); "
                    + priv.name() + " has " + java.util.Arrays.toString(shape));
        }
        int rows = priv.size();
        int dim = priv.dim();
        long total = (long) rows * factor;
        if (total * dim > Integer.MAX_VALUE - 8) {
            throw new LegoNetException(String.format(java.util.Locale.ROOT, "%,d samples of %d features do not fit one "
                    + "Java array (at most %,d values); use a smaller factor", total, dim, Integer.MAX_VALUE - 8));
        }
        long maxId = 0;
        for (int r = 0; r < rows; r++) {
            maxId = Math.max(maxId, priv.id(r));
        }
        long stride = 1;
        while (stride <= maxId || stride < minStride) {
            stride *= 10;
        }
        if (stride > Long.MAX_VALUE / factor) {
            throw new LegoNetException("ids up to " + maxId + " leave no room for " + factor + " copies");
        }
        long[] ids = new long[(int) total];
        int[] labels = new int[(int) total];
        float[] x = new float[(int) (total * dim)];
        float[] src = new float[dim];
        for (int v = 0; v < factor; v++) {
            int[] t = v == 0 ? new int[] {0, 0, 0} : TRANSFORMS.get(v - 1);
            for (int r = 0; r < rows; r++) {
                int row = v * rows + r;
                ids[row] = v * stride + priv.id(r);
                labels[row] = priv.label(r);
                priv.copyRow(r, src, 0);
                int off = row * dim;
                for (int y = 0; y < h; y++) {
                    int sy = y - t[1];
                    for (int xx = 0; xx < w; xx++) {
                        int sx0 = xx - t[0];
                        int sx = t[2] == 1 ? w - 1 - sx0 : sx0;
                        x[off + y * w + xx] = sy < 0 || sy >= h || sx0 < 0 || sx0 >= w ? 0f : src[sy * w + sx];
                    }
                }
            }
        }
        return new Dataset(priv.name() + " grown x" + factor, ids, labels, x, shape);
    }

    private static List<int[]> transforms() {
        int[] steps = {0, 1, -1, 2, -2};
        List<int[]> out = new ArrayList<>();
        for (int flip = 0; flip <= 1; flip++) {
            for (int dy : steps) {
                for (int dx : steps) {
                    if (flip == 0 && dx == 0 && dy == 0) {
                        continue;
                    }
                    out.add(new int[] {dx, dy, flip});
                }
            }
        }
        // interleave mirrored and plain copies, so that every factor mixes both kinds
        List<int[]> mixed = new ArrayList<>();
        int plain = 24;
        for (int i = 0; i < 25; i++) {
            mixed.add(out.get(plain + i)); // mirrored, shift i
            if (i < plain) {
                mixed.add(out.get(i));
            }
        }
        return List.copyOf(mixed);
    }
}
