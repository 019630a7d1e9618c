package org.legonet.core.data;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.legonet.core.util.RowsFingerprint;

/**
 * An immutable table of labelled samples: a {@code long} id, an integer label and a fixed-length
 * float feature vector per row.
 *
 * <p>Ids are unique. Features are finite (readers reject NaN and infinities). Labels are
 * non-negative. {@code sampleShape} records the layout of one feature vector (for example
 * {@code [28, 28]} for an image) for encoders that care; its product equals {@link #dim()}.
 */
public final class Dataset {
    private final String name;
    private final long[] ids;
    private final int[] labels;
    private final float[] features;
    private final int dim;
    private final int[] sampleShape;
    private volatile String fingerprint;
    private volatile Map<Long, Integer> rowById;

    /**
     * @param name        a short description used in messages (usually the file name)
     * @param ids         one unique id per row (kept, not copied)
     * @param labels      one non-negative label per row (kept, not copied)
     * @param features    {@code rows * dim} values, row-major (kept, not copied)
     * @param sampleShape the layout of one row; its product is the feature dimension
     */
    public Dataset(String name, long[] ids, int[] labels, float[] features, int[] sampleShape) {
        int dim = 1;
        for (int s : sampleShape) {
            if (s <= 0) {
                throw new IllegalArgumentException("sample shape " + Arrays.toString(sampleShape) + " has a non-positive size");
            }
            dim = Math.multiplyExact(dim, s);
        }
        if (ids.length != labels.length) {
            throw new IllegalArgumentException(name + ": " + ids.length + " ids but " + labels.length + " labels");
        }
        if ((long) ids.length * dim != features.length) {
            throw new IllegalArgumentException(name + ": " + features.length + " feature values for "
                    + ids.length + " rows of dimension " + dim);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new DataException(name + ": negative label " + labels[i] + " at row " + i);
            }
        }
        this.name = name;
        this.ids = ids;
        this.labels = labels;
        this.features = features;
        this.dim = dim;
        this.sampleShape = sampleShape.clone();
    }

    /** A dataset whose ids are the row numbers {@code 0..rows-1}. */
    public static Dataset withRowIds(String name, int[] labels, float[] features, int[] sampleShape) {
        long[] ids = new long[labels.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return new Dataset(name, ids, labels, features, sampleShape);
    }

    public String name() {
        return name;
    }

    public int size() {
        return ids.length;
    }

    public int dim() {
        return dim;
    }

    public int[] sampleShape() {
        return sampleShape.clone();
    }

    public long id(int row) {
        return ids[row];
    }

    public int label(int row) {
        return labels[row];
    }

    /** A copy of all ids, in row order. */
    public long[] ids() {
        return ids.clone();
    }

    /** A copy of all labels, in row order. */
    public int[] labels() {
        return labels.clone();
    }

    public float feature(int row, int column) {
        return features[row * dim + column];
    }

    /** Copies row {@code row} into {@code dst[off .. off + dim)}; only {@code dst} is modified. */
    public void copyRow(int row, float[] dst, int off) {
        System.arraycopy(features, row * dim, dst, off, dim);
    }

    /** The largest label plus one (0 for an empty dataset). */
    public int labelBound() {
        int max = -1;
        for (int l : labels) {
            max = Math.max(max, l);
        }
        return max + 1;
    }

    /** The row holding {@code id}, or -1. */
    public int rowOf(long id) {
        Map<Long, Integer> map = rowById;
        if (map == null) {
            map = new HashMap<>(ids.length * 2);
            for (int i = 0; i < ids.length; i++) {
                if (map.put(ids[i], i) != null) {
                    throw new DataException(name + ": id " + ids[i] + " appears more than once");
                }
            }
            rowById = map;
        }
        Integer row = map.get(id);
        return row == null ? -1 : row;
    }

    /** Rows {@code from .. to-1} as a new dataset (ids kept). */
    public Dataset slice(int from, int to, String sliceName) {
        if (from < 0 || to > size() || from > to) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") of " + size() + " rows");
        }
        return new Dataset(sliceName,
                Arrays.copyOfRange(ids, from, to),
                Arrays.copyOfRange(labels, from, to),
                Arrays.copyOfRange(features, from * dim, to * dim),
                sampleShape);
    }

    /** The given rows, in the given order, as a new dataset (ids kept). */
    public Dataset select(int[] rows, String selectionName) {
        long[] i2 = new long[rows.length];
        int[] l2 = new int[rows.length];
        float[] f2 = new float[rows.length * dim];
        for (int r = 0; r < rows.length; r++) {
            i2[r] = ids[rows[r]];
            l2[r] = labels[rows[r]];
            System.arraycopy(features, rows[r] * dim, f2, r * dim, dim);
        }
        return new Dataset(selectionName, i2, l2, f2, sampleShape);
    }

    /**
     * SHA-256 over the ids, labels, shape and feature bits, in row order: two datasets with the
     * same fingerprint hold the same samples in the same order.
     */
    public String fingerprint() {
        String fp = fingerprint;
        if (fp == null) {
            RowsFingerprint f = new RowsFingerprint(ids.length, sampleShape);
            for (int i = 0; i < ids.length; i++) {
                f.row(ids[i], labels[i]);
            }
            f.features(features, 0, features.length);
            fp = f.finish();
            fingerprint = fp;
        }
        return fp;
    }

    @Override
    public String toString() {
        return name + " (" + size() + " samples, dim " + dim + ")";
    }
}
