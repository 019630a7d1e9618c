package org.legonet.core.model;

import java.util.Arrays;
import java.util.BitSet;
import org.legonet.core.adapter.TrainingSet;

/**
 * The private samples as adapters see them: id, label, cached encoding and route of every row,
 * plus the routing index (adapter -> its retained rows in ascending id).
 *
 * <p><b>Rows.</b> Rows are in storage order: the training-time rows (ascending id), then the rows
 * added later, in the order they were added ({@link #withAppended}). Ids need not ascend across
 * rows. Rows that were forgotten stay as holes (their encodings zeroed once {@link #wipe}d, their
 * label -1) so row numbers never move. Retained ids are unique; a forgotten row may share its id
 * with a retained row (an id forgotten, then explicitly added again).
 *
 * <p><b>Order.</b> Every adapter's rows ({@link #members}, {@link #trainingSet}) are listed in
 * ascending id, whatever order the rows were added in: an adapter trains on exactly the sequence it
 * would see when the model is trained from scratch on the retained samples (training sorts the
 * private split by id), which is what makes an insertion exact.
 *
 * <p><b>Snapshots.</b> A set is immutable in what it exposes: {@link #without} and
 * {@link #withAppended} return new sets and leave this one valid. Snapshots share the row arrays:
 * a set sees only its first {@link #rows()} rows, and appending to the newest snapshot writes
 * past them in place (amortised O(1) per row, like a growable array); appending to an older
 * snapshot copies. The one in-place operation, {@link #wipe}, zeroes rows that no snapshot in use
 * still contains.
 */
public final class PrivateSet {
    /** Row arrays shared by snapshots; each snapshot reads only its first {@code rows} rows. */
    private static final class Rows {
        final long[] ids;
        final int[] labels;
        final float[] encodings;
        final int[] routes;
        /** Rows some snapshot has claimed; a snapshot may write past its end only when it is this. */
        int used;

        Rows(long[] ids, int[] labels, float[] encodings, int[] routes, int used) {
            this.ids = ids;
            this.labels = labels;
            this.encodings = encodings;
            this.routes = routes;
            this.used = used;
        }

        int capacity() {
            return ids.length;
        }
    }

    private final Rows store;
    private final int rows;
    private final BitSet erased;
    private final int[][] members;
    private final int dim;
    private final int k;
    /**
     * Every row sorted by (id, row): {@code sortedIds[i]} is the id of row {@code sortedRows[i]};
     * both {@code null} while the ids ascend strictly in row order (then the row order is the id order).
     */
    private final long[] sortedIds;
    private final int[] sortedRows;

    /**
     * @param ids       one per row; retained ids unique (kept, not copied)
     * @param labels    one per row (-1 for an erased row) (kept, not copied)
     * @param encodings {@code dim} per row (kept, not copied)
     * @param routes    {@code k} adapter indices per row, ascending within a row (kept, not copied)
     * @param erased    rows already forgotten (copied)
     * @param adapters  number of adapters
     * @throws IllegalArgumentException when a retained id repeats or the arrays do not fit
     */
    public PrivateSet(long[] ids, int[] labels, float[] encodings, int dim, int[] routes, int k, BitSet erased,
                      int adapters) {
        int n = ids.length;
        if (labels.length != n || (long) n * dim != encodings.length || (long) n * k != routes.length) {
            throw new IllegalArgumentException("private set arrays do not fit " + n + " rows of dimension " + dim
                    + " and " + k + " routes");
        }
        this.store = new Rows(ids, labels, encodings, routes, n);
        this.rows = n;
        this.erased = (BitSet) erased.clone();
        this.dim = dim;
        this.k = k;
        boolean ascending = true;
        for (int i = 1; i < n && ascending; i++) {
            ascending = ids[i] > ids[i - 1];
        }
        int[] order;
        if (ascending) {
            sortedIds = null;
            sortedRows = null;
            order = null;
        } else {
            sortedRows = sortRowsById(ids, n);
            sortedIds = new long[n];
            for (int i = 0; i < n; i++) {
                sortedIds[i] = ids[sortedRows[i]];
            }
            long last = 0;
            boolean any = false;
            for (int i = 0; i < n; i++) {
                int r = sortedRows[i];
                if (this.erased.get(r)) {
                    continue;
                }
                if (any && ids[r] == last) {
                    throw new IllegalArgumentException("private id " + ids[r] + " is held by more than one row");
                }
                last = ids[r];
                any = true;
            }
            order = sortedRows;
        }
        int[] counts = new int[adapters];
        for (int r = 0; r < n; r++) {
            if (!this.erased.get(r)) {
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
        for (int i = 0; i < n; i++) {
            int r = order == null ? i : order[i];
            if (!this.erased.get(r)) {
                for (int a = 0; a < k; a++) {
                    int j = routes[r * k + a];
                    members[j][fill[j]++] = r;
                }
            }
        }
    }

    private PrivateSet(Rows store, int rows, BitSet erased, int[][] members, int dim, int k, long[] sortedIds,
                       int[] sortedRows) {
        this.store = store;
        this.rows = rows;
        this.erased = erased;
        this.members = members;
        this.dim = dim;
        this.k = k;
        this.sortedIds = sortedIds;
        this.sortedRows = sortedRows;
    }

    /** Rows {@code 0..n-1} sorted by (id, row): a stable merge sort of the row numbers by id. */
    private static int[] sortRowsById(long[] ids, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        int[] b = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int o = lo;
                while (i < mid && j < hi) {
                    b[o++] = ids[a[j]] < ids[a[i]] ? a[j++] : a[i++];
                }
                while (i < mid) {
                    b[o++] = a[i++];
                }
                while (j < hi) {
                    b[o++] = a[j++];
                }
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    /** Rows ever held: training-time rows plus rows added since (retained plus forgotten). */
    public int rows() {
        return rows;
    }

    /** Samples still held. */
    public int retained() {
        return rows - erased.cardinality();
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
        checkRow(row);
        return store.ids[row];
    }

    public int label(int row) {
        checkRow(row);
        return store.labels[row];
    }

    public boolean isErased(int row) {
        checkRow(row);
        return erased.get(row);
    }

    private void checkRow(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
    }

    /** The retained row holding {@code id}, or -1 when no retained sample has that id. */
    public int rowOf(long id) {
        if (sortedIds == null) {
            int r = Arrays.binarySearch(store.ids, 0, rows, id);
            return r >= 0 && !erased.get(r) ? r : -1;
        }
        int i = lowerBound(sortedIds, id);
        for (; i < sortedIds.length && sortedIds[i] == id; i++) {
            if (!erased.get(sortedRows[i])) {
                return sortedRows[i];
            }
        }
        return -1;
    }

    private static int lowerBound(long[] a, long key) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The k adapters row {@code row} activates (a copy). */
    public int[] route(int row) {
        checkRow(row);
        return Arrays.copyOfRange(store.routes, row * k, row * k + k);
    }

    /** Copies the encoding of {@code row} into {@code dst[off ..]}. */
    public void copyEncoding(int row, float[] dst, int off) {
        checkRow(row);
        System.arraycopy(store.encodings, row * dim, dst, off, dim);
    }

    /** The cached encodings of {@code rows}, one after another ({@code rows.length * dim()} floats). */
    public float[] encodings(int[] rows) {
        float[] out = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            copyEncoding(rows[i], out, i * dim);
        }
        return out;
    }

    /** The labels of {@code rows}, in that order. */
    public int[] labels(int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = label(rows[i]);
        }
        return out;
    }

    /** Number of retained samples routed to adapter {@code j}. */
    public int size(int j) {
        return members[j].length;
    }

    /** The retained rows of adapter {@code j}, in ascending id (a copy). */
    public int[] members(int j) {
        return members[j].clone();
    }

    /** What adapter {@code j} trains on: its retained rows in ascending id. */
    public TrainingSet trainingSet(int j, int classes) {
        return new TrainingSet(store.encodings, dim, store.labels, store.ids, members[j], classes);
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

    /**
     * How far the adapter sizes are from balanced: {@link #expectedRemovalCost()} over
     * {@link #idealRemovalCost()}. It is at least 1.0, and exactly 1.0 when every adapter holds the
     * same number of samples (1.0 too when nothing is retained). Keys are frozen at training, so
     * insertions that fall unevenly on the adapters raise it: each later update then retrains that
     * many times more samples than a balanced model would. A full retrain may fit new keys.
     */
    public double balanceRatio() {
        double ideal = idealRemovalCost();
        return ideal == 0 ? 1.0 : expectedRemovalCost() / ideal;
    }

    /** The adapters whose sample sets contain any of {@code rows}, ascending. */
    public int[] affectedBy(int[] rows) {
        BitSet a = new BitSet(members.length);
        for (int r : rows) {
            checkRow(r);
            for (int i = 0; i < k; i++) {
                a.set(store.routes[r * k + i]);
            }
        }
        return a.stream().toArray();
    }

    /** This set with {@code rows} forgotten: the routing index loses them; nothing else moves. */
    public PrivateSet without(int[] rows) {
        BitSet nextErased = (BitSet) erased.clone();
        for (int r : rows) {
            checkRow(r);
            nextErased.set(r);
        }
        int[][] next = members.clone();
        for (int j : affectedBy(rows)) {
            next[j] = Arrays.stream(members[j]).filter(r -> !nextErased.get(r)).toArray();
        }
        return new PrivateSet(store, this.rows, nextErased, next, dim, k, sortedIds, sortedRows);
    }

    /**
     * This set with new samples appended as rows {@code rows() .. rows() + m - 1}, in the order
     * given; each adapter's routing index takes its new rows in id order. This set stays valid.
     *
     * @param ids       the new ids: none retained in this set, none repeated
     * @param labels    one per new row
     * @param encodings {@code dim} per new row
     * @param routes    {@code k} adapter indices per new row, ascending within a row
     * @throws IllegalArgumentException when an id is retained already or repeats, or the arrays do not fit
     */
    public PrivateSet withAppended(long[] ids, int[] labels, float[] encodings, int[] routes) {
        int m = ids.length;
        if (labels.length != m || (long) m * dim != encodings.length || (long) m * k != routes.length) {
            throw new IllegalArgumentException("appended arrays do not fit " + m + " rows of dimension " + dim
                    + " and " + k + " routes");
        }
        long[] newIds = ids.clone();
        Arrays.sort(newIds);
        for (int i = 0; i < m; i++) {
            if (i > 0 && newIds[i] == newIds[i - 1]) {
                throw new IllegalArgumentException("appended id " + newIds[i] + " repeats");
            }
            if (rowOf(newIds[i]) >= 0) {
                throw new IllegalArgumentException("appended id " + newIds[i] + " is held already");
            }
        }
        for (int i = 0; i < m * k; i++) {
            if (routes[i] < 0 || routes[i] >= members.length) {
                throw new IllegalArgumentException("appended route " + routes[i] + " is not an adapter");
            }
        }
        int n = rows;
        Rows target = claim(m);
        System.arraycopy(ids, 0, target.ids, n, m);
        System.arraycopy(labels, 0, target.labels, n, m);
        System.arraycopy(encodings, 0, target.encodings, n * dim, m * dim);
        System.arraycopy(routes, 0, target.routes, n * k, m * k);

        // the id index: kept implicit while ids still ascend in row order
        boolean ascending = sortedIds == null;
        for (int i = 0; i < m && ascending; i++) {
            ascending = n + i == 0 || ids[i] > target.ids[n + i - 1];
        }
        long[] nextSortedIds = null;
        int[] nextSortedRows = null;
        if (!ascending) {
            nextSortedIds = new long[n + m];
            nextSortedRows = new int[n + m];
            int[] added = new int[m];
            for (int i = 0; i < m; i++) {
                added[i] = n + i;
            }
            added = sortRows(added, target.ids);
            int a = 0;
            int b = 0;
            for (int o = 0; o < n + m; o++) {
                int baseRow = a < n ? (sortedRows == null ? a : sortedRows[a]) : -1;
                long baseId = a < n ? (sortedIds == null ? target.ids[a] : sortedIds[a]) : 0;
                if (b >= m || (a < n && baseId <= target.ids[added[b]])) {
                    nextSortedIds[o] = baseId;
                    nextSortedRows[o] = baseRow;
                    a++;
                } else {
                    nextSortedIds[o] = target.ids[added[b]];
                    nextSortedRows[o] = added[b];
                    b++;
                }
            }
        }

        // each reached adapter merges its new rows (in id order) into its id-ordered rows
        int[] counts = new int[members.length];
        for (int i = 0; i < m * k; i++) {
            counts[routes[i]]++;
        }
        int[][] fresh = new int[members.length][];
        int[] fill = new int[members.length];
        for (int i = 0; i < m; i++) {
            for (int a = 0; a < k; a++) {
                int j = routes[i * k + a];
                if (fresh[j] == null) {
                    fresh[j] = new int[counts[j]];
                }
                fresh[j][fill[j]++] = n + i;
            }
        }
        int[][] next = members.clone();
        for (int j = 0; j < members.length; j++) {
            if (fresh[j] != null) {
                next[j] = mergeById(members[j], sortRows(fresh[j], target.ids), target.ids);
            }
        }
        return new PrivateSet(target, n + m, (BitSet) erased.clone(), next, dim, k, nextSortedIds, nextSortedRows);
    }

    /**
     * Storage with room for {@code m} more rows after this set's: the shared arrays when this set is
     * the newest snapshot and they have room, otherwise a copy of this set's rows with room to grow.
     */
    private Rows claim(int m) {
        synchronized (store) {
            if (store.used == rows && store.capacity() - rows >= m) {
                store.used = rows + m;
                return store;
            }
        }
        int capacity = Math.addExact(rows, Math.max(m, rows / 4 + 16));
        Rows grown = new Rows(Arrays.copyOf(store.ids, capacity), Arrays.copyOf(store.labels, capacity),
                Arrays.copyOf(store.encodings, Math.multiplyExact(capacity, dim)),
                Arrays.copyOf(store.routes, Math.multiplyExact(capacity, k)), rows + m);
        // a copy of an older snapshot may carry rows a newer one appended: the copy never shows them
        Arrays.fill(grown.ids, rows, capacity, 0L);
        Arrays.fill(grown.labels, rows, capacity, 0);
        Arrays.fill(grown.encodings, rows * dim, capacity * dim, 0.0f);
        Arrays.fill(grown.routes, rows * k, capacity * k, 0);
        return grown;
    }

    /** {@code rows} in (id, row) order; a copy unless they are in that order already. */
    private static int[] sortRows(int[] rows, long[] ids) {
        boolean sorted = true;
        for (int i = 1; i < rows.length && sorted; i++) {
            sorted = ids[rows[i]] > ids[rows[i - 1]];
        }
        if (sorted) {
            return rows;
        }
        long[] sub = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            sub[i] = ids[rows[i]];
        }
        int[] order = sortRowsById(sub, rows.length);
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[order[i]];
        }
        return out;
    }

    /** Two id-ordered row lists merged in id order (no id is in both). */
    private static int[] mergeById(int[] a, int[] b, long[] ids) {
        int[] out = new int[a.length + b.length];
        if (a.length == 0 || ids[b[0]] > ids[a[a.length - 1]]) {
            System.arraycopy(a, 0, out, 0, a.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
        int i = 0;
        int j = 0;
        int o = 0;
        while (i < a.length && j < b.length) {
            out[o++] = ids[b[j]] < ids[a[i]] ? b[j++] : a[i++];
        }
        while (i < a.length) {
            out[o++] = a[i++];
        }
        while (j < b.length) {
            out[o++] = b[j++];
        }
        return out;
    }

    /**
     * Zeroes the encodings and labels of erased rows in memory (after the store has committed their
     * erasure), so forgotten data does not linger in this process either.
     */
    public void wipe() {
        for (int r = erased.nextSetBit(0); r >= 0; r = erased.nextSetBit(r + 1)) {
            Arrays.fill(store.encodings, r * dim, r * dim + dim, 0.0f);
            store.labels[r] = -1;
        }
    }

    /** Rows held (not erased), in row order. */
    public int[] retainedRows() {
        int[] out = new int[retained()];
        int i = 0;
        for (int r = 0; r < rows; r++) {
            if (!erased.get(r)) {
                out[i++] = r;
            }
        }
        return out;
    }
}
