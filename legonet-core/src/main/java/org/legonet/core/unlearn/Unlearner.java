package org.legonet.core.unlearn;

import org.legonet.core.UpdateReport;
import org.legonet.core.ForgetRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.ChangeRecord;
import org.legonet.core.store.ForgetCommit;
import org.legonet.core.store.ModelStore;
import org.legonet.core.Progress;

/**
 * Exact unlearning: the adapters the forgotten samples activated are retrained from scratch on
 * their retained samples (each once, however many of its samples go), the samples are erased from
 * the store, and the new model is committed atomically. The result equals, bit for bit, the model
 * trained from scratch without those samples (docs/design.md, contract points 3 and 5).
 */
public final class Unlearner {
    private final ModelStore store;
    private final int threads;
    private final Progress progress;

    public Unlearner(ModelStore store, int threads, Progress progress) {
        if (!store.writable()) {
            throw new IllegalArgumentException("forget needs a store opened for writing");
        }
        this.store = store;
        this.threads = threads;
        this.progress = progress;
    }

    private static LegoNetException unknownIds(List<Long> ids) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(ids.size(), 10); i++) {
            b.append(i == 0 ? "" : ", ").append(ids.get(i));
        }
        if (ids.size() > 10) {
            b.append(", ... (").append(ids.size()).append(" in all)");
        }
        return new LegoNetException("unknown sample id" + (ids.size() == 1 ? " " : "s ") + b
                + ": not a private sample of this model (public samples and ids outside the training data cannot be"
                + " forgotten); nothing was changed");
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

    private UpdateReport forget(ForgetRequest request, boolean retrainAll, List<String> requestIds) {
        long t0 = System.nanoTime();
        LegoNetModel model = store.model();
        PrivateSet data = store.data();
        List<String> notes = new ArrayList<>();
        int[] rows;
        int already = 0;
        if (request.isClass()) {
            int c = request.forgetClass();
            if (c >= model.classes()) {
                throw new LegoNetException("class " + c + " is not in the model's label set 0.." + (model.classes() - 1));
            }
            rows = Arrays.stream(data.retainedRows()).filter(r -> data.label(r) == c).toArray();
            if (rows.length == 0) {
                notes.add("no retained private sample has class " + c + "; nothing to forget");
            }
        } else {
            List<Integer> found = new ArrayList<>();
            List<Long> unknown = new ArrayList<>();
            for (long id : request.ids()) {
                int r = data.rowOf(id);
                if (r >= 0 && !data.isErased(r)) {
                    found.add(r);
                } else if (store.wasForgotten(id)) {
                    already++;
                } else {
                    unknown.add(id);
                }
            }
            if (!unknown.isEmpty()) {
                throw unknownIds(unknown);
            }
            if (already > 0) {
                notes.add(already + " id" + (already == 1 ? " was" : "s were") + " already forgotten (no-op)");
            }
            rows = found.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        String before = model.digest();
        if (rows.length == 0) {
            double s = (System.nanoTime() - t0) / 1e9;
            return new UpdateReport(request.toString(), 0, already, List.of(), 0, 0, s, 0, 0, before, before, notes, null);
        }
        PrivateSet next = data.without(rows);
        int[] affected = retrainAll ? AdapterPool.all(model.adapterCount()) : data.affectedBy(rows);
        AdapterTrainer trainer = LegoNetTrainer.adapterTrainer(model.config());
        long t1 = System.nanoTime();
        Adapter[] retrained = AdapterPool.train(trainer, next, affected, model.config().seed(), model.classes(),
                threads, progress);
        long t2 = System.nanoTime();
        LegoNetModel nextModel = model.withAdapters(Arrays.asList(retrained));
        long samples = 0;
        long params = 0;
        List<Integer> adapterList = new ArrayList<>();
        for (Adapter a : retrained) {
            samples += a.samples();
            params += a.parameterCount();
            adapterList.add(a.index());
        }
        List<String> hashes = new ArrayList<>();
        for (int r : rows) {
            hashes.add(store.hashId(data.id(r)));
        }
        double trainSeconds = (t2 - t1) / 1e9;
        ChangeRecord rec = new ChangeRecord(0, null, request.isClass() ? "class" : "ids", request.forgetClass(),
                rows.length, hashes, adapterList, samples, params, (t2 - t0) / 1e9, before, nextModel.digest(), requestIds);
        ChangeRecord committed = store.commit(new ForgetCommit(next, nextModel, Arrays.asList(retrained), rows, rec));
        next.wipe();
        long t3 = System.nanoTime();
        return new UpdateReport(request.toString(), rows.length, already, adapterList, samples, params,
                (t3 - t0) / 1e9, trainSeconds, (t3 - t2) / 1e9, before, nextModel.digest(), notes, committed);
    }
}
