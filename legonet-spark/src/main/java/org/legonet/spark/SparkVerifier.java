package org.legonet.spark;

import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.Progress;
import org.legonet.core.VerifyReport;
import org.legonet.core.store.ModelStore;
import org.legonet.core.unlearn.Verifier;

/** Verifies a model directory with the adapters rebuilt on Spark. */
public final class SparkVerifier {
    private SparkVerifier() {
    }

    /**
     * Proves the model in {@code dir} exact as {@code LegoNet.open(dir).verify()} does (core's
     * {@code Verifier}: re-encode the retained raw samples, re-route them, rebuild every adapter
     * from scratch, compare every digest), with the adapters rebuilt on Spark, one task each. The
     * raw samples are read and encoded on the driver for now (docs/spark.md). Nothing is written.
     *
     * @param threads driver threads for encoding and routing
     */
    public static VerifyReport verify(JavaSparkContext sc, Path dir, int threads, Progress progress) {
        try (ModelStore store = ModelStore.open(dir, false)) {
            return new Verifier(threads, new SparkAdapterTraining(sc, store.model().config()), progress)
                    .verify(store, null);
        }
    }
}
