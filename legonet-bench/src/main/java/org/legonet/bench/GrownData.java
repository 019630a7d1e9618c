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
        int[] hw = imageShape(priv);
        int h = hw[0];
        int w = hw[1];
        int rows = priv.size();
        int dim = priv.dim();
        long total = (long) rows * factor;
        if (total * dim > Integer.MAX_VALUE - 8) {
            throw new LegoNetException(String.format(java.util.Locale.ROOT, "%,d samples of %d features do not fit one "
                    + "Java array (at most %,d values); use a smaller factor", total, dim, Integer.MAX_VALUE - 8));
        }
        long stride = stride(priv, minStride);
        if (stride > Long.MAX_VALUE / factor) {
            throw new LegoNetException("ids up to " + (stride - 1) + " leave no room for " + factor + " copies");
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
                transform(src, t, h, w, x, row * dim);
            }
        }
        return new Dataset(priv.name() + " grown x" + factor, ids, labels, x, shape);
    }

    /**
     * {@code data} at its own size, row r transformed by the transform of copy {@code r mod factor} (with that copy's
     * fresh id): a split as varied as the grown data but no larger. The scaling study's public split, on which the
     * keys are placed and balanced: keys fitted on the plain images alone route the shifted and mirrored ones
     * unevenly, and a public split grown with the data would make placing the keys cost P x n, the square of the
     * factor.
     */
    public static Dataset mix(Dataset data, int factor, long minStride) {
        if (factor < 1 || factor > MAX_FACTOR) {
            throw new LegoNetException("the scale factor must be in 1.." + MAX_FACTOR + ", got " + factor);
        }
        if (factor == 1) {
            return data;
        }
        int[] hw = imageShape(data);
        long stride = stride(data, minStride);
        int rows = data.size();
        int dim = data.dim();
        long[] ids = new long[rows];
        int[] labels = new int[rows];
        float[] x = new float[rows * dim];
        float[] src = new float[dim];
        for (int r = 0; r < rows; r++) {
            int v = r % factor;
            ids[r] = v * stride + data.id(r);
            labels[r] = data.label(r);
            data.copyRow(r, src, 0);
            transform(src, v == 0 ? new int[] {0, 0, 0} : TRANSFORMS.get(v - 1), hw[0], hw[1], x, r * dim);
        }
        return new Dataset(data.name() + " mixed x" + factor, ids, labels, x, data.sampleShape());
    }

    private static int[] imageShape(Dataset d) {
        int[] shape = d.sampleShape();
        if (shape != null && shape.length == 2) {
            return new int[] {shape[0], shape[1]};
        }
        if (shape != null && shape.length == 3 && shape[0] == 1) {
            return new int[] {shape[1], shape[2]};
        }
        throw new LegoNetException("growing the data needs images (a sample shape of [H, W] or [1, H, W]); "
                + d.name() + " has " + java.util.Arrays.toString(shape));
    }

    /** The smallest power of ten above every id of {@code d}, at least {@code minStride}. */
    private static long stride(Dataset d, long minStride) {
        long maxId = 0;
        for (int r = 0; r < d.size(); r++) {
            maxId = Math.max(maxId, d.id(r));
        }
        long stride = 1;
        while (stride <= maxId || stride < minStride) {
            stride *= 10;
        }
        return stride;
    }

    /** Writes {@code src} (an h x w image) shifted by {dx, dy} and, when flip is 1, mirrored, into dst at off. */
    private static void transform(float[] src, int[] t, int h, int w, float[] dst, int off) {
        for (int y = 0; y < h; y++) {
            int sy = y - t[1];
            for (int xx = 0; xx < w; xx++) {
                int sx0 = xx - t[0];
                int sx = t[2] == 1 ? w - 1 - sx0 : sx0;
                dst[off + y * w + xx] = sy < 0 || sy >= h || sx0 < 0 || sx0 >= w ? 0f : src[sy * w + sx];
            }
        }
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
