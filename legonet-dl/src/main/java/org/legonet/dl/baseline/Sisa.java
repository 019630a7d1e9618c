package org.legonet.dl.baseline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;
import org.legonet.dl.cnn.CnnNetwork;
import org.legonet.dl.cnn.CnnSpec;
import org.legonet.dl.cnn.CnnWeights;

/**
 * SISA (Bourtoule et al., "Machine Unlearning", 2021): the training data is split at random into
 * {@code s} shards, each shard into {@code r} slices; shard i's end-to-end CNN trains in r stages,
 * stage j on slices 0..j, and its parameters are checkpointed after every stage. A removal retrains
 * each affected shard from the checkpoint taken before the earliest slice that held a removed
 * sample. Prediction combines the s shard models (mean of probabilities, or majority vote).
 *
 * <p>Epochs: each stage runs {@code round(2E / (r + 1))} epochs (at least 1), so a shard's total
 * training work is about E passes over its data, as in SISA's paper. Each stage starts a fresh
 * optimiser from the checkpointed parameters, so a checkpoint is parameters only and a retrained
 * shard never saw the removed samples.
 *
 * <p>The shards train on the same Java trainer as the cnn encoder ({@link CnnNetwork}), which is
 * bit-reproducible: a shard retrained from a checkpoint equals one trained on the remaining data.
 */
public final class Sisa {
    private final CnnSpec spec;
    private final Dataset data;
    private final int classes;
    private final float[] inputStats;
    private final int shards;
    private final int slices;
    private final int stageEpochs;
    private final long seed;
    private final int[][][] sliceRows;        // [shard][slice] -> rows
    private final float[][][][] checkpoints;  // [shard][stage 0..r] -> parameters (stage 0: initial)
    private final CnnWeights[] models;
    private final Map<Long, int[]> where = new HashMap<>(); // id -> {shard, slice}
    private long parameters;

    /**
     * @param data every training sample (public and private)
     */
    public Sisa(CnnSpec spec, Dataset data, int classes, float[] inputStats, int shards, int slices, long seed) {
        if (shards < 1 || slices < 1) {
            throw new LegoNetException("SISA needs at least one shard and one slice");
        }
        if (data.size() < shards * slices) {
            throw new LegoNetException("SISA with " + shards + " shards of " + slices + " slices needs at least "
                    + shards * slices + " samples, got " + data.size());
        }
        this.spec = spec;
        this.data = data;
        this.classes = classes;
        this.inputStats = inputStats.clone();
        this.shards = shards;
        this.slices = slices;
        this.stageEpochs = Math.max(1, (int) Math.round(2.0 * spec.epochs() / (slices + 1)));
        this.seed = seed;
        int[] order = Probabilities.allRows(data);
        new Rng(Rng.derive(seed, 0x515A)).shuffle(order);
        sliceRows = new int[shards][slices][];
        for (int s = 0; s < shards; s++) {
            int from = (int) ((long) order.length * s / shards);
            int to = (int) ((long) order.length * (s + 1) / shards);
            for (int j = 0; j < slices; j++) {
                int a = from + (int) ((long) (to - from) * j / slices);
                int b = from + (int) ((long) (to - from) * (j + 1) / slices);
                sliceRows[s][j] = Arrays.copyOfRange(order, a, b);
                for (int r : sliceRows[s][j]) {
                    where.put(data.id(r), new int[] {s, j});
                }
            }
        }
        checkpoints = new float[shards][slices + 1][][];
        models = new CnnWeights[shards];
    }

    public int shards() {
        return shards;
    }

    public int slices() {
        return slices;
    }

    public int stageEpochs() {
        return stageEpochs;
    }

    /** Trainable parameters of one shard's network. */
    public long parametersPerShard() {
        return parameters;
    }

    /** Shard {@code i}'s current network. */
    public CnnWeights model(int i) {
        return models[i];
    }

    /** The shard that holds {@code id}, or -1. */
    public int shardOf(long id) {
        int[] w = where.get(id);
        return w == null ? -1 : w[0];
    }

    /** The rows of shard {@code s}'s slice {@code j} (a copy; for tests). */
    int[] sliceRows(int s, int j) {
        return sliceRows[s][j].clone();
    }

    /** The parameters checkpointed before stage {@code j} of shard {@code s}, the stored arrays themselves (for tests). */
    float[][] checkpoint(int s, int j) {
        return checkpoints[s][j];
    }

    /** Trains every shard from scratch, all stages; returns the seconds taken. */
    public double train(Progress progress) {
        long t0 = System.nanoTime();
        for (int s = 0; s < shards; s++) {
            trainShard(s, 0, progress);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** What one removal cost. */
    public record Removal(int shardsRetrained, long samplePasses, long samples, long parametersRetrained,
                          double seconds, int[] shards) {
    }

    /**
     * Removes the samples with these ids and retrains each affected shard from its checkpoint before
     * the earliest affected slice.
     *
     * @throws LegoNetException for an id SISA does not hold (nothing is changed)
     */
    public Removal forget(long[] ids, Progress progress) {
        Map<Integer, Integer> earliest = new HashMap<>();
        Set<Long> gone = new HashSet<>();
        for (long id : ids) {
            int[] w = where.get(id);
            if (w == null) {
                throw new LegoNetException("SISA holds no sample with id " + id);
            }
            earliest.merge(w[0], w[1], Math::min);
            gone.add(id);
        }
        long t0 = System.nanoTime();
        for (long id : gone) {
            int[] w = where.remove(id);
            sliceRows[w[0]][w[1]] = Arrays.stream(sliceRows[w[0]][w[1]]).filter(r -> data.id(r) != id).toArray();
        }
        long passes = 0;
        TreeSet<Integer> affected = new TreeSet<>(earliest.keySet());
        for (int s : affected) {
            passes += trainShard(s, earliest.get(s), progress);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long samples = 0;
        for (int s : affected) {
            for (int[] slice : sliceRows[s]) {
                samples += slice.length;
            }
        }
        return new Removal(affected.size(), passes, samples, parameters * affected.size(), secs,
                affected.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Runs stages {@code fromStage..r-1} of shard {@code s} from the checkpoint before them. */
    private long trainShard(int s, int fromStage, Progress progress) {
        long passes = 0;
        CnnNetwork m = new CnnNetwork(spec, data.sampleShape(), classes, inputStats[0], inputStats[1],
                Rng.derive(seed, s), CnnNetwork.defaultThreads());
        parameters = m.parameterCount();
        if (fromStage == 0 && checkpoints[s][0] == null) {
            checkpoints[s][0] = m.snapshot();
        } else {
            m.restore(checkpoints[s][fromStage]);
        }
        for (int j = fromStage; j < slices; j++) {
            List<int[]> parts = new ArrayList<>();
            int n = 0;
            for (int q = 0; q <= j; q++) {
                parts.add(sliceRows[s][q]);
                n += sliceRows[s][q].length;
            }
            int[] rows = new int[n];
            int o = 0;
            for (int[] p : parts) {
                System.arraycopy(p, 0, rows, o, p.length);
                o += p.length;
            }
            passes += m.fit(data, rows, stageEpochs, Rng.derive(seed, s, j), progress,
                    "SISA s=" + shards + ": shard " + (s + 1) + "/" + shards + ", slice " + (j + 1) + "/" + slices);
            checkpoints[s][j + 1] = m.snapshot();
        }
        models[s] = m.weights();
        return passes;
    }
}
