package org.legonet.core.unlearn;

import java.util.List;
import org.legonet.core.ChangeRecord;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.Progress;
import org.legonet.core.UpdateReport;
import org.legonet.core.model.AdapterTraining;
import org.legonet.core.store.StoreChange;
import org.legonet.core.store.ModelStore;

/**
 * Exact unlearning (and insertion) on a store: the adapters the forgotten samples activated are
 * retrained from scratch on their retained samples (each once, however many of its samples go),
 * the samples are erased from the store, and the new model is committed atomically; samples added
 * ({@link #update}) reach and retrain their adapters the same way. The result equals, bit for bit, the model
 * trained from scratch without those samples (docs/design.md, contract points 3 and 5).
 */
public final class Unlearner {
    private final ModelStore store;
    private final int threads;
    private final AdapterTraining training;
    private final Progress progress;

    public Unlearner(ModelStore store, int threads, Progress progress) {
        this(store, threads, AdapterTraining.threads(threads), progress);
    }

    /**
     * An unlearner that retrains adapters with {@code training} (a cluster engine's) and does the
     * rest (encoding added samples) on {@code threads} threads; the result does not depend on either.
     */
    public Unlearner(ModelStore store, int threads, AdapterTraining training, Progress progress) {
        if (!store.writable()) {
            throw new IllegalArgumentException("forget needs a store opened for writing");
        }
        this.store = store;
        this.threads = threads;
        this.training = training;
        this.progress = progress;
    }

    /**
     * Forgets what {@code request} names. Unknown ids fail before anything changes; ids already
     * forgotten are a no-op with a note.
     */
    public UpdateReport forget(ForgetRequest request) {
        return forget(request, false);
    }

    /**
     * Forgets as {@link #forget(ForgetRequest)}, or, with {@code retrainAll}, by retraining every
     * adapter from scratch: the baseline that LegoNet's cost is measured against. Both give the
     * same model, bit for bit; only the time differs.
     */
    public UpdateReport forget(ForgetRequest request, boolean retrainAll) {
        return forget(request, retrainAll, null);
    }

    /**
     * Forgets as {@link #forget(ForgetRequest)} on behalf of the service requests {@code requestIds}
     * (whose ids or class {@code request} unites), and records their ids in the deletion record at
     * the commit point: after a crash, a request found there was applied and must not be again.
     * Nothing is recorded when nothing changes (every id already forgotten, or an empty class): such
     * a request is a no-op however often it is replayed.
     */
    public UpdateReport forget(ForgetRequest request, List<String> requestIds) {
        if (requestIds == null || requestIds.isEmpty()) {
            throw new IllegalArgumentException("requestIds must name at least one request");
        }
        return forget(request, false, List.copyOf(requestIds));
    }

    /**
     * Applies {@code edit} (samples to add, then samples to forget) and commits it as one change:
     * every adapter either touches is retrained once. Conflicting or unfit samples to add and
     * unknown ids to forget fail before anything changes.
     */
    public UpdateReport update(Edit edit) {
        return update(edit, false, null);
    }

    private UpdateReport forget(ForgetRequest request, boolean retrainAll, List<String> requestIds) {
        return update(Edit.forget(request), retrainAll, requestIds);
    }

    private UpdateReport update(Edit edit, boolean retrainAll, List<String> requestIds) {
        store.requireIdKey();
        if (edit.add() != null) {
            store.checkStorable(edit.add());
        }
        Step step = new Updater(threads, training, progress).step(store.model(), store.data(), history(store), edit,
                requestIds, retrainAll);
        if (!step.changed()) {
            return step.report();
        }
        long t0 = System.nanoTime();
        ChangeRecord committed = store.commit(new StoreChange(store.manifest().generation(), step.data(),
                step.model(), step.retrained(), step.erasedRows(), step.appended(), step.record()));
        step.data().wipe();
        return step.report().committedAs(committed, (System.nanoTime() - t0) / 1e9);
    }

    /** The store's forgotten ids and id hashes, as the update step sees them. */
    static Updater.History history(ModelStore store) {
        return new Updater.History() {
            @Override
            public boolean wasForgotten(long id) {
                return store.wasForgotten(id);
            }

            @Override
            public String hashId(long id) {
                return store.hashId(id);
            }
        };
    }
}
