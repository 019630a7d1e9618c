package org.legonet.core.model;

import org.legonet.core.Progress;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;

/**
 * Where an update step trains the adapters it retrains: on this machine's threads
 * ({@link #threads}, {@link AdapterPool}) or on a cluster (the Spark engine). Every implementation
 * trains adapter j from scratch with {@code trainer}, the seed {@link AdapterPool#adapterSeed} and
 * exactly the retained samples {@code data} routes to j in ascending id, so the engines give the
 * same bits (docs/design.md, contract point 3).
 */
@FunctionalInterface
public interface AdapterTraining {
    /**
     * Trains the adapters {@code which} from scratch on their retained samples in {@code data}.
     *
     * @return the adapters, in the order of {@code which}
     */
    Adapter[] train(AdapterTrainer trainer, PrivateSet data, int[] which, long modelSeed, int classes,
                    Progress progress);

    /** Training in this process on {@code threads} threads, one adapter per thread ({@link AdapterPool}). */
    static AdapterTraining threads(int threads) {
        return (trainer, data, which, modelSeed, classes, progress) -> AdapterPool.train(trainer, data, which,
                modelSeed, classes, threads, progress);
    }
}
