package org.legonet.dl.baseline;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.adapter.TrainingSet;
import org.legonet.core.util.Rng;

/**
 * FixSISA (the LegoNet paper's baseline): SISA's shards on top of the same fixed encoder as LegoNet,
 * one adapter per shard, no routing. The private samples are split at random into {@code s} shards;
 * adapter i trains on shard i only; prediction averages all s adapters' probabilities. A removal
 * retrains the affected shards' adapters from scratch (adapters are small, so no slices).
 */
public final class FixSisa {
    private final AdapterTrainer trainer;
    private final float[] encodings;
    private final int dim;
    private final int[] labels;
    private final long[] ids;
    private final int classes;
    private final long seed;
    private final int[][] shardRows;
    private final Adapter[] adapters;
    private final Map<Long, Integer> rowOf = new HashMap<>();
    private final Map<Long, Integer> shardOf = new HashMap<>();

    /**
     * @param encodings private encodings from the fixed encoder, {@code dim} per row
     */
    public FixSisa(AdapterTrainer trainer, float[] encodings, int dim, int[] labels, long[] ids, int classes,
                   int shards, long seed) {
        if (shards < 1 || shards > ids.length) {
            throw new LegoNetException("FixSISA needs 1.." + ids.length + " shards, got " + shards);
        }
        if (labels.length != ids.length || (long) ids.length * dim != encodings.length) {
            throw new LegoNetException("FixSISA: " + ids.length + " ids, " + labels.length + " labels and "
                    + encodings.length + " encoding values of dimension " + dim + " do not match");
        }
        this.trainer = trainer;
        this.encodings = encodings;
        this.dim = dim;
        this.labels = labels;
        this.ids = ids;
        this.classes = classes;
        this.seed = seed;
        int[] order = new int[ids.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            if (rowOf.put(ids[i], i) != null) {
                throw new LegoNetException("FixSISA: sample id " + ids[i] + " occurs twice");
            }
        }
        new Rng(Rng.derive(seed, 0xF15A)).shuffle(order);
        shardRows = new int[shards][];
        for (int s = 0; s < shards; s++) {
            // an adapter sees its samples in ascending id (docs/design.md, contract point 3), whatever the row order
            int[] rows = Arrays.stream(Arrays.copyOfRange(order, (int) ((long) order.length * s / shards),
                    (int) ((long) order.length * (s + 1) / shards))).boxed()
                    .sorted(Comparator.comparingLong((Integer r) -> ids[r])).mapToInt(Integer::intValue).toArray();
            shardRows[s] = rows;
            for (int r : rows) {
                shardOf.put(ids[r], s);
            }
        }
        adapters = new Adapter[shards];
    }

    public int shards() {
        return shardRows.length;
    }

    /** The rows of shard {@code s}, in ascending id (a copy; for tests). */
    int[] shardRows(int s) {
        return shardRows[s].clone();
    }

    /** Shard {@code s}'s current adapter. */
    public Adapter adapter(int s) {
        return adapters[s];
    }

    /** Trains every shard's adapter; returns the seconds taken. */
    public double train() {
        long t0 = System.nanoTime();
        for (int s = 0; s < shardRows.length; s++) {
            trainShard(s);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private long trainShard(int s) {
        adapters[s] = trainer.train(s, Rng.derive(seed, s), new TrainingSet(encodings, dim, labels, ids, shardRows[s],
                classes));
        return shardRows[s].length;
    }

    /** What one removal cost. */
    public record Removal(int shardsRetrained, long samplesRetrained, long parametersRetrained, double seconds) {
    }

    /** Removes these ids and retrains the affected shards' adapters from scratch. */
    public Removal forget(long[] ids) {
        Set<Integer> affected = new TreeSet<>();
        Set<Long> gone = new HashSet<>();
        for (long id : ids) {
            Integer s = shardOf.get(id);
            if (s == null) {
                throw new LegoNetException("FixSISA holds no sample with id " + id);
            }
            affected.add(s);
            gone.add(id);
        }
        long t0 = System.nanoTime();
        long samples = 0;
        for (long id : gone) {
            int s = shardOf.remove(id);
            int row = rowOf.get(id);
            shardRows[s] = Arrays.stream(shardRows[s]).filter(r -> r != row).toArray();
        }
        for (int s : affected) {
            samples += trainShard(s);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Removal(affected.size(), samples, adapters[0].parameterCount() * affected.size(), secs);
    }

    /** Mean of every shard adapter's probabilities for {@code rows} encodings. */
    public float[] predictProba(float[] x, int rows) {
        float[] sum = new float[rows * classes];
        float[] p = new float[rows * classes];
        for (Adapter a : adapters) {
            a.predictProba(x, rows, p);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += p[i];
            }
        }
        float inv = 1.0f / adapters.length;
        for (int i = 0; i < sum.length; i++) {
            sum[i] *= inv;
        }
        return sum;
    }

    /** Test accuracy on encodings. */
    public double accuracy(float[] enc, int[] labels) {
        return Probabilities.accuracy(predictProba(enc, labels.length), classes, labels);
    }

    /** Accuracy on stored private rows (by id). */
    public double accuracyOnIds(long[] which) {
        if (which.length == 0) {
            return Double.NaN;
        }
        float[] x = new float[which.length * dim];
        int[] y = new int[which.length];
        for (int i = 0; i < which.length; i++) {
            Integer r = rowOf.get(which[i]);
            if (r == null) {
                throw new LegoNetException("FixSISA never held a sample with id " + which[i]);
            }
            System.arraycopy(encodings, r * dim, x, i * dim, dim);
            y[i] = labels[r];
        }
        return accuracy(x, y);
    }

    public long parametersPerShard() {
        return adapters[0].parameterCount();
    }
}
