package org.legonet.core.unlearn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.legonet.core.ChangeRecord;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.Progress;
import org.legonet.core.UnknownClassException;
import org.legonet.core.UnknownIdsException;
import org.legonet.core.UpdateReport;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;

/**
 * The pure update step: from a model, its private samples and an {@link Edit}, the next model.
 * The adapters the edit's samples activate are retrained from scratch on their samples after the
 * edit (each once, however many of its samples change), so the result equals, bit for bit, the
 * model trained from scratch on the samples held after the edit (docs/design.md, contract points
 * 3 and 5). Nothing is read from or written to disk: a store commits the {@link Step}, the service
 * and a cluster engine compute it the same way.
 */
public final class Updater {
    /** What the step needs to know of the model's history: which ids were forgotten, and their hashes. */
    public interface History {
        /** Whether a committed (or earlier in-memory) forget erased {@code id}. */
        boolean wasForgotten(long id);

        /** The salted hash of {@code id}, as the log keeps it. */
        String hashId(long id);
    }

    private final int threads;
    private final Progress progress;

    public Updater(int threads, Progress progress) {
        this.threads = threads;
        this.progress = progress;
    }

    /**
     * Computes the next model. Unknown ids to forget, a class outside the label set, or ids to add
     * that conflict fail before anything is computed ({@link #check}); ids already forgotten are a
     * no-op with a note.
     *
     * @param requestIds ids of the service requests the step carries out (recorded with it), or null
     * @param retrainAll retrain every adapter instead of the affected ones: the baseline LegoNet's
     *                   cost is measured against; the same model, bit for bit
     */
    public Step step(LegoNetModel model, PrivateSet data, History history, Edit edit, List<String> requestIds,
                     boolean retrainAll) {
        long t0 = System.nanoTime();
        check(model, data, history, edit);
        ForgetRequest request = edit.forget();
        List<String> notes = new ArrayList<>();
        int[] rows;
        int already = 0;
        if (request.isClass()) {
            int c = request.forgetClass();
            rows = Arrays.stream(data.retainedRows()).filter(r -> data.label(r) == c).toArray();
            if (rows.length == 0) {
                notes.add("no retained private sample has class " + c + "; nothing to forget");
            }
        } else {
            List<Integer> found = new ArrayList<>();
            for (long id : request.ids()) {
                int r = data.rowOf(id);
                if (r >= 0 && !data.isErased(r)) {
                    found.add(r);
                } else {
                    already++; // checked: forgotten earlier
                }
            }
            if (already > 0) {
                notes.add(already + " id" + (already == 1 ? " was" : "s were") + " already forgotten (no-op)");
            }
            rows = found.stream().mapToInt(Integer::intValue).sorted().toArray();
        }
        String before = model.digest();
        if (rows.length == 0) {
            double s = (System.nanoTime() - t0) / 1e9;
            UpdateReport report = new UpdateReport(edit.toString(), 0, 0, already, List.of(), 0, 0, s, 0, 0, before,
                    before, notes, null);
            return new Step(model, data, List.of(), new int[0], null, null, report);
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
            hashes.add(history.hashId(data.id(r)));
        }
        double seconds = (t2 - t0) / 1e9;
        ChangeRecord rec = new ChangeRecord(0, null, request.isClass() ? "class" : "ids", request.forgetClass(),
                rows.length, hashes, adapterList, samples, params, seconds, before, nextModel.digest(),
                requestIds == null ? null : List.copyOf(requestIds));
        UpdateReport report = new UpdateReport(edit.toString(), 0, rows.length, already, adapterList, samples, params,
                seconds, (t2 - t1) / 1e9, 0, before, nextModel.digest(), notes, null);
        return new Step(nextModel, next, List.of(retrained), rows, null, rec, report);
    }

    /**
     * Checks {@code edit} against the model exactly as {@link #step} does before it computes
     * anything, and computes nothing: the one validation of an edit, for callers that must refuse a
     * bad request before accepting it (the service validates each request when it arrives).
     *
     * @throws UnknownClassException a class to forget outside the label set
     * @throws UnknownIdsException   ids to forget that the model never held
     */
    public static void check(LegoNetModel model, PrivateSet data, History history, Edit edit) {
        if (edit.add() != null) {
            throw new UnsupportedOperationException("adding samples is being built (issue 9)");
        }
        ForgetRequest request = edit.forget();
        if (request.isClass()) {
            if (request.forgetClass() >= model.classes()) {
                throw new UnknownClassException(request.forgetClass(), model.classes());
            }
            return;
        }
        List<Long> unknown = new ArrayList<>();
        for (long id : request.ids()) {
            int r = data.rowOf(id);
            if ((r < 0 || data.isErased(r)) && !history.wasForgotten(id)) {
                unknown.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownIdsException(unknown);
        }
    }
}
