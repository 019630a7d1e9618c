package org.legonet.core.model;

import java.util.Arrays;
import java.util.BitSet;
import org.legonet.core.adapter.TrainingSet;

/**
 * The private samples as adapters see them: id, label, cached encoding and route of every row, in
 * ascending id, plus the routing index (adapter -> its rows in ascending id). Rows that were
 * forgotten stay as holes (their encodings zeroed, their label -1) so row numbers never move.
 *
 * <p>Snapshots are immutable in what they expose: {@link #without} returns a new set; the one
 * in-place operation, {@link #wipe}, zeroes rows that no snapshot in use still contains.
 */
public final class PrivateSet {
    private final long[] ids;
    private final int[] labels;
    private final float[] encodings;
    private final int[] routes;
    private final BitSet erased;
    private final int[][] members;
    private final int dim;
    private final int k;

    /**
     * @param ids       ascending, unique
     * @param labels    one per row (-1 for an erased row)
     * @param encodings {@code dim} per row
     * @param routes    {@code k} adapter indices per row, ascending within a row
     * @param erased    rows already forgotten (copied)
     * @param adapters  number of adapters
     */
    public PrivateSet(long[] ids, int[] labels, float[] encodings, int dim, int[] routes, int k, BitSet erased,
                      int adapters) {
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] <= ids[i - 1]) {
                throw new IllegalArgumentException("private ids must be ascending and unique; row " + i + " has id "
                        + ids[i] + " after " + ids[i - 1]);
            }
        }
        this.ids = ids;
        this.labels = labels;
        this.encodings = encodings;
        this.routes = routes;
        this.erased = (BitSet) erased.clone();
        this.dim = dim;
        this.k = k;
        int[] counts = new int[adapters];
        for (int r = 0; r < ids.length; r++) {
            if (!erased.get(r)) {
                for (int i = 0; i < k; i++) {
                    counts[routes[r * k + i]]++;
                }
            }
        }
        members = new int[adapters][];
        for (int j = 0; j < adapters; j++) {
            members[j] = new int[counts[j]];
        }
        int[] fill = new int[adapters];
        for (int r = 0; r < ids.length; r++) {
            if (!erased.get(r)) {
                for (int i = 0; i < k; i++) {
                    int j = routes[r * k + i];
                    members[j][fill[j]++] = r;
                }
            }
        }
    }

    private PrivateSet(PrivateSet base, BitSet erased, int[][] members) {
        this.ids = base.ids;
        this.labels = base.labels;
        this.encodings = base.encodings;
        this.routes = base.routes;
        this.dim = base.dim;
        this.k = base.k;
        this.erased = erased;
        this.members = members;
    }

    /** Rows at training time (retained plus forgotten). */
    public int rows() {
        return ids.length;
    }

    /** Samples still held. */
    public int retained() {
        return ids.length - erased.cardinality();
    }

    public int dim() {
        return dim;
    }

    public int k() {
        return k;
    }

    public int adapters() {
        return members.length;
    }

    public long id(int row) {
        return ids[row];
    }

    public int label(int row) {
        return labels[row];
    }

    public boolean isErased(int row) {
        return erased.get(row);
    }

    /** The row of {@code id}, or -1 when the id was never a private sample. */
    public int rowOf(long id) {
        int r = Arrays.binarySearch(ids, id);
        return r >= 0 ? r : -1;
    }

    /** The k adapters row {@code row} activates (a copy). */
    public int[] route(int row) {
        return Arrays.copyOfRange(routes, row * k, row * k + k);
    }

    /** Copies the encoding of {@code row} into {@code dst[off ..]}. */
    public void copyEncoding(int row, float[] dst, int off) {
        System.arraycopy(encodings, row * dim, dst, off, dim);
    }

    /** Number of retained samples routed to adapter {@code j}. */
    public int size(int j) {
        return members[j].length;
    }

    /** The rows of adapter {@code j}, ascending (a copy). */
    public int[] members(int j) {
        return members[j].clone();
    }

    /** What adapter {@code j} trains on. */
    public TrainingSet trainingSet(int j, int classes) {
        return new TrainingSet(encodings, dim, labels, ids, members[j], classes);
    }

    /** Smallest, mean and largest adapter sample counts. */
    public record Sizes(int min, double mean, int max) {
    }

    /** The adapters' sample counts: smallest, mean, largest. */
    public Sizes sizes() {
        int min = Integer.MAX_VALUE;
        int max = 0;
        long sum = 0;
        for (int[] m : members) {
            min = Math.min(min, m.length);
            max = Math.max(max, m.length);
            sum += m.length;
        }
        return new Sizes(min, Math.round(10.0 * sum / members.length) / 10.0, max);
    }

    /** Expected samples retrained per random removal: sum_j |D_j|^2 / N. */
    public double expectedRemovalCost() {
        long n = retained();
        if (n == 0) {
            return 0;
        }
        double s = 0;
        for (int[] m : members) {
            s += (double) m.length * m.length;
        }
        return s / n;
    }

    /** The balanced ideal of {@link #expectedRemovalCost()}: k^2 N / n. */
    public double idealRemovalCost() {
        return (double) k * k * retained() / members.length;
    }

    /** The adapters whose sample sets contain any of {@code rows}, ascending. */
    public int[] affectedBy(int[] rows) {
        BitSet a = new BitSet(members.length);
        for (int r : rows) {
            for (int i = 0; i < k; i++) {
                a.set(routes[r * k + i]);
            }
        }
        return a.stream().toArray();
    }

    /** This set with {@code rows} forgotten: the routing index loses them; nothing else moves. */
    public PrivateSet without(int[] rows) {
        BitSet nextErased = (BitSet) erased.clone();
        for (int r : rows) {
            nextErased.set(r);
        }
        int[][] next = members.clone();
        for (int j : affectedBy(rows)) {
            next[j] = Arrays.stream(members[j]).filter(r -> !nextErased.get(r)).toArray();
        }
        return new PrivateSet(this, nextErased, next);
    }

    /**
     * Zeroes the encodings and labels of erased rows in memory (after the store has committed their
     * erasure), so forgotten data does not linger in this process either.
     */
    public void wipe() {
        for (int r = erased.nextSetBit(0); r >= 0; r = erased.nextSetBit(r + 1)) {
            Arrays.fill(encodings, r * dim, r * dim + dim, 0.0f);
            labels[r] = -1;
        }
    }

    /** Rows held (not erased), ascending. */
    public int[] retainedRows() {
        int[] out = new int[retained()];
        int i = 0;
        for (int r = 0; r < ids.length; r++) {
            if (!erased.get(r)) {
                out[i++] = r;
            }
        }
        return out;
    }
}
