package org.legonet.spark;

import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.IdKey;
import org.legonet.core.Progress;
import org.legonet.core.UpdateReport;
import org.legonet.core.store.ModelStore;
import org.legonet.core.unlearn.Unlearner;

/**
 * Forgets (and adds) on a model directory with the affected adapters retrained on Spark, one task
 * per adapter. Everything else is core's update step and commit, unchanged: the same checks, the
 * same adapters retrained, the same erasure and atomic commit, so the directory ends up exactly as
 * {@code LegoNet.openForUpdate(dir).forget(ids).commit()} leaves it (docs/spark.md).
 */
public final class SparkUnlearner {
    private SparkUnlearner() {
    }

    /**
     * Forgets what {@code request} names from the model directory {@code dir} (opened for update:
     * its writer lock is held meanwhile) and commits. Unknown ids fail before anything changes; ids
     * already forgotten are a no-op with a note.
     *
     * @param idKey   the model's id key (the deletion log keeps keyed id hashes); null only for a
     *                model whose hashes are not keyed
     * @param threads driver threads (encoding samples an edit adds)
     */
    public static UpdateReport forget(JavaSparkContext sc, Path dir, IdKey idKey, ForgetRequest request, int threads,
                                      Progress progress) {
        return update(sc, dir, idKey, Edit.forget(request), threads, progress);
    }

    /** Applies {@code edit} (samples to add, then to forget) to {@code dir} and commits, as {@link #forget}. */
    public static UpdateReport update(JavaSparkContext sc, Path dir, IdKey idKey, Edit edit, int threads,
                                      Progress progress) {
        try (ModelStore store = ModelStore.open(dir, true, idKey)) {
            return new Unlearner(store, threads, new SparkAdapterTraining(sc, store.model().config()), progress)
                    .update(edit);
        }
    }
}
