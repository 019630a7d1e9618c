package org.legonet.dl.baseline;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.Progress;
import org.legonet.dl.cnn.CnnNetwork;
import org.legonet.dl.cnn.CnnSpec;
import org.legonet.dl.cnn.CnnWeights;

/**
 * The baseline every user knows: the end-to-end CNN (all layers trainable) trained on all the data;
 * a removal retrains it from scratch on what remains (same recipe, same seed). It trains on the same
 * Java trainer as the cnn encoder ({@link CnnNetwork}), so a retrain gives the same bits as a first
 * training on data that never held the removed samples.
 */
public final class Retrain {
    private final CnnSpec spec;
    private final Dataset data;
    private final int classes;
    private final float[] inputStats;
    private final long seed;
    private int[] rows;
    private CnnWeights weights;
    private long parameters;

    /**
     * @param data       every training sample (public and private)
     * @param inputStats input mean and standard deviation, from the public split
     */
    public Retrain(CnnSpec spec, Dataset data, int classes, float[] inputStats, long seed) {
        this.spec = spec;
        this.data = data;
        this.classes = classes;
        this.inputStats = inputStats.clone();
        this.seed = seed;
        this.rows = Probabilities.allRows(data);
    }

    /** Trains from scratch on the current rows; returns the seconds taken. */
    public double train(Progress progress) {
        long t0 = System.nanoTime();
        CnnNetwork m = new CnnNetwork(spec, data.sampleShape(), classes, inputStats[0], inputStats[1], seed,
                CnnNetwork.defaultThreads());
        m.fit(data, rows, spec.epochs(), seed + 1, progress,
                "Retrain: end-to-end cnn on " + rows.length + " samples (" + spec.epochs() + " epochs)");
        weights = m.weights();
        parameters = m.parameterCount();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Drops the samples with these ids and retrains from scratch; returns the seconds taken.
     *
     * @throws LegoNetException for an id that is not (or no longer) trained on; nothing is changed
     */
    public double forget(long[] ids, Progress progress) {
        Set<Long> held = new HashSet<>();
        for (int r : rows) {
            held.add(data.id(r));
        }
        Set<Long> gone = new HashSet<>();
        for (long id : ids) {
            if (!held.contains(id)) {
                throw new LegoNetException("Retrain holds no sample with id " + id);
            }
            gone.add(id);
        }
        rows = Arrays.stream(rows).filter(r -> !gone.contains(data.id(r))).toArray();
        return train(progress);
    }

    public CnnWeights weights() {
        return weights;
    }

    public long parameters() {
        return parameters;
    }

    public int samples() {
        return rows.length;
    }
}
