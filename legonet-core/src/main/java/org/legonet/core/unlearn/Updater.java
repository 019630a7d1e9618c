package org.legonet.core.unlearn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.legonet.core.ChangeRecord;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.IdConflictException;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.UnknownClassException;
import org.legonet.core.UnknownIdsException;
import org.legonet.core.UpdateReport;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.AdapterTraining;
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

        /** The hash of {@code id} as the log keeps it (keyed with the model's {@code IdKey}). */
        String hashId(long id);
    }

    private final int threads;
    private final AdapterTraining training;
    private final Progress progress;

    /** An update step that encodes and trains on {@code threads} threads of this process. */
    public Updater(int threads, Progress progress) {
        this(threads, AdapterTraining.threads(threads), progress);
    }

    /**
     * An update step that encodes added samples on {@code threads} threads and retrains adapters
     * with {@code training} (a cluster engine passes its own; the result does not depend on it).
     */
    public Updater(int threads, AdapterTraining training, Progress progress) {
        this.threads = threads;
        this.training = training;
        this.progress = progress;
    }

    /**
     * The retained rows of {@code data} that {@code request} names, ascending: those of its class,
     * or those holding its ids (ids not held are left out). What a forget of it erases from
     * {@code data}, and so, with {@link PrivateSet#affectedBy}, the adapters it retrains.
     */
    public static int[] heldRows(PrivateSet data, ForgetRequest request) {
        if (request.isClass()) {
            int c = request.forgetClass();
            return Arrays.stream(data.retainedRows()).filter(r -> data.label(r) == c).toArray();
        }
        return Arrays.stream(request.ids()).mapToInt(data::rowOf).filter(r -> r >= 0).sorted().toArray();
    }

    /**
     * The adapters that a forget of {@code request} alone, applied to {@code model} by {@link #step},
     * retrains: those holding its retained samples, and with route-hiding cover the cover
     * {@link Cover} chooses for that change. Trains nothing.
     */
    public static int[] retrainedByForget(LegoNetModel model, PrivateSet data, History history,
                                          ForgetRequest request) {
        int[] rows = heldRows(data, request);
        BitSet touched = new BitSet(model.adapterCount());
        for (int j : data.affectedBy(rows)) {
            touched.set(j);
        }
        if (rows.length == 0 || model.config().cover() == 0) {
            return touched.stream().toArray();
        }
        long[] ids = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = data.id(rows[i]);
        }
        int[] cover = Cover.choose(Cover.seed(model.digest(), ids, new long[0], history), data.without(rows), touched,
                model.config().cover(), new int[0]);
        for (int j : cover) {
            touched.set(j);
        }
        return touched.stream().toArray();
    }

    /**
     * Computes the next model. Everything is checked before anything is computed ({@link #check}):
     * ids to forget that the model never held, a class outside the label set, and samples to add with the wrong
     * feature count, a label outside the label set, a non-finite feature, or an id that conflicts
     * ({@link IdConflictException}: held already, repeated, or forgotten earlier unless the edit
     * allows it). Ids already forgotten are a no-op with a note.
     *
     * <p>The samples to add are encoded with the model's frozen encoder, routed with its frozen
     * keys and appended; then the forget part applies (to added samples too). Every adapter whose
     * sample set changes is retrained once. An added sample that the same edit forgets is never
     * appended: it changes no adapter and is counted as both added and forgotten (its id hash is
     * logged as forgotten, so adding it again needs the caller's explicit leave).
     *
     * @param requestIds ids of the service requests the step carries out (recorded with it), or null
     * @param retrainAll retrain every adapter instead of the affected ones: the baseline LegoNet's
     *                   cost is measured against; the same model, bit for bit
     */
    public Step step(LegoNetModel model, PrivateSet data, History history, Edit edit, List<String> requestIds,
                     boolean retrainAll) {
        return step(model, data, history, edit, requestIds, retrainAll, new int[0]);
    }

    /**
     * {@link #step(LegoNetModel, PrivateSet, History, Edit, List, boolean)} that also retrains the
     * adapters {@code alsoRetrain} (a service retraining every adapter it masked for the requests it
     * carries out, so that the retrained set it reports contains each request's mask): they count
     * as cover, and the model's route-hiding cover tops them up to
     * {@link org.legonet.core.ModelConfig#cover()} adapters besides those the edit touches.
     *
     * <p><b>Cover.</b> With cover C &gt; 0 the step retrains, from scratch, the adapters the edit
     * touches plus C adapters it does not touch (fewer when fewer are left), chosen by {@link Cover}
     * from the model digest and the id hashes of the edit: a keyed pseudo-random function of the
     * change. Every record and report lists the union only ({@link UpdateReport#cover()} says how
     * many are cover, not which). A cover adapter holds no changed sample, so it must come out bit
     * for bit as it was: the step checks this and throws {@link IllegalStateException} otherwise
     * (a broken exactness contract, never a user error). {@code retrainAll} retrains every adapter
     * and needs no cover.
     *
     * @param alsoRetrain adapter indices to retrain besides the touched ones (not modified)
     */
    public Step step(LegoNetModel model, PrivateSet data, History history, Edit edit, List<String> requestIds,
                     boolean retrainAll, int[] alsoRetrain) {
        long t0 = System.nanoTime();
        check(model, data, history, edit);
        Dataset add = edit.add() == null ? emptyLike(model) : edit.add();
        ForgetRequest request = edit.forget();
        List<String> notes = new ArrayList<>();
        // rows of data to forget, and samples of add to forget (never appended)
        int[] rows = new int[0];
        boolean[] addForgotten = new boolean[add.size()];
        int already = 0;
        if (request != null) {
            rows = heldRows(data, request);
        }
        if (request != null && request.isClass()) {
            int c = request.forgetClass();
            for (int i = 0; i < add.size(); i++) {
                addForgotten[i] = add.label(i) == c;
            }
            if (rows.length == 0 && count(addForgotten) == 0) {
                notes.add("no retained private sample has class " + c + "; nothing to forget");
            }
        } else if (request != null) {
            for (long id : request.ids()) {
                int a = add.size() == 0 ? -1 : add.rowOf(id);
                if (a >= 0) {
                    addForgotten[a] = true;
                }
            }
            // the ids are distinct; checked: each is held, being added, or forgotten earlier
            already = request.ids().length - rows.length - count(addForgotten);
            if (already > 0) {
                notes.add(already + " id" + (already == 1 ? " was" : "s were") + " already forgotten (no-op)");
            }
        }
        int dropped = count(addForgotten);
        int forgotten = rows.length + dropped;
        String before = model.digest();
        if (forgotten == 0 && add.size() == 0) {
            double s = (System.nanoTime() - t0) / 1e9;
            UpdateReport report = new UpdateReport(edit.toString(), 0, 0, already, List.of(), 0, 0, 0, s, 0, 0,
                    before, before, notes, null);
            return new Step(model, data, List.of(), new int[0], emptyLike(model), null, report);
        }
        int[] keep = new int[add.size() - dropped];
        for (int i = 0, o = 0; i < add.size(); i++) {
            if (!addForgotten[i]) {
                keep[o++] = i;
            }
        }
        Dataset appended = keep.length == add.size() ? add : add.select(keep, add.name());
        PrivateSet next = data;
        BitSet reached = new BitSet(model.adapterCount());
        if (appended.size() > 0) {
            int small = appended.size() < 1024 ? 1 : threads;
            float[] enc = Encoders.encodeAll(model.encoder(), appended, small, Progress.NONE);
            int[] routes = model.router().routeAll(enc, appended.size(), small);
            for (int j : routes) {
                reached.set(j);
            }
            next = next.withAppended(appended.ids(), appended.labels(), enc, routes);
        }
        if (rows.length > 0) {
            for (int j : data.affectedBy(rows)) {
                reached.set(j);
            }
            next = next.without(rows);
        }
        long[] goneIds = new long[forgotten];
        int g = 0;
        for (int r : rows) {
            goneIds[g++] = data.id(r);
        }
        for (int i = 0; i < add.size(); i++) {
            if (addForgotten[i]) {
                goneIds[g++] = add.id(i);
            }
        }
        Arrays.sort(goneIds);
        int[] cover = new int[0];
        if (!retrainAll && (model.config().cover() > 0 || alsoRetrain.length > 0)) {
            for (int j : alsoRetrain) {
                if (j < 0 || j >= model.adapterCount()) {
                    throw new IllegalArgumentException("adapter " + j + " to retrain is outside 0.."
                            + (model.adapterCount() - 1));
                }
            }
            cover = Cover.choose(Cover.seed(before, goneIds, add.ids(), history), next, reached,
                    model.config().cover(), alsoRetrain);
        }
        int[] affected;
        if (retrainAll) {
            affected = AdapterPool.all(model.adapterCount());
        } else {
            BitSet union = (BitSet) reached.clone();
            for (int j : cover) {
                union.set(j);
            }
            affected = union.stream().toArray();
        }
        AdapterTrainer trainer = LegoNetTrainer.adapterTrainer(model.config());
        long t1 = System.nanoTime();
        Adapter[] retrained = training.train(trainer, next, affected, model.config().seed(), model.classes(),
                progress);
        long t2 = System.nanoTime();
        checkCover(model, retrained, cover);
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
        for (long id : goneIds) {
            hashes.add(history.hashId(id));
        }
        double seconds = (t2 - t0) / 1e9;
        String kind = request == null ? "add" : request.isClass() ? "class" : "ids";
        ChangeRecord rec = new ChangeRecord(0, null, kind, request == null ? null : request.forgetClass(), forgotten,
                add.size(), hashes, adapterList, samples, params, seconds, before, nextModel.digest(),
                requestIds == null ? null : List.copyOf(requestIds));
        UpdateReport report = new UpdateReport(edit.toString(), add.size(), forgotten, already, adapterList,
                cover.length, samples, params, seconds, (t2 - t1) / 1e9, 0, before, nextModel.digest(), notes, null);
        return new Step(nextModel, next, List.of(retrained), rows, appended, rec, report);
    }

    /**
     * Checks that every cover adapter came out bit for bit as it was: it holds no changed sample,
     * so by contract point 3 retraining it from scratch must give the same adapter.
     */
    private static void checkCover(LegoNetModel model, Adapter[] retrained, int[] cover) {
        if (cover.length == 0) {
            return;
        }
        BitSet isCover = new BitSet(model.adapterCount());
        for (int j : cover) {
            isCover.set(j);
        }
        for (Adapter a : retrained) {
            if (isCover.get(a.index()) && !a.digest().equals(model.adapter(a.index()).digest())) {
                throw new IllegalStateException("cover adapter " + a.index() + " holds no changed sample but came out "
                        + "different when retrained from scratch (digest " + a.digest() + ", was "
                        + model.adapter(a.index()).digest() + "): the exactness contract is broken (docs/design.md, "
                        + "contract point 3)");
            }
        }
    }

    private static int count(boolean[] b) {
        int n = 0;
        for (boolean x : b) {
            n += x ? 1 : 0;
        }
        return n;
    }

    /** No samples, shaped like the model's input. */
    private static Dataset emptyLike(LegoNetModel model) {
        return new Dataset("no samples", new long[0], new int[0], new float[0], new int[] {model.encoder().inputDim()});
    }

    /**
     * Checks {@code edit} against the model exactly as {@link #step} does before it computes
     * anything, and computes nothing: the one validation of an edit, for callers that must refuse a
     * bad request before accepting it (the service validates each request when it arrives).
     *
     * @throws IdConflictException   ids to add that the model holds, that repeat, or that it forgot
     *                               (unless the edit allows adding those again)
     * @throws LegoNetException      samples to add that do not fit the model (feature count, label,
     *                               a non-finite feature)
     * @throws UnknownClassException a class to forget outside the label set
     * @throws UnknownIdsException   ids to forget that the model never held (and the edit does not add)
     */
    public static void check(LegoNetModel model, PrivateSet data, History history, Edit edit) {
        Dataset add = edit.add() == null ? emptyLike(model) : edit.add();
        checkAdded(model, data, history, add, edit.readdForgotten());
        ForgetRequest request = edit.forget();
        if (request == null) {
            return;
        }
        if (request.isClass()) {
            if (request.forgetClass() >= model.classes()) {
                throw new UnknownClassException(request.forgetClass(), model.classes());
            }
            return;
        }
        List<Long> unknown = new ArrayList<>();
        for (long id : request.ids()) {
            if ((add.size() == 0 || add.rowOf(id) < 0) && data.rowOf(id) < 0 && !history.wasForgotten(id)) {
                unknown.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownIdsException(unknown);
        }
    }

    /**
     * Refuses samples to add that do not fit the model (feature count, labels, finite features) or
     * whose ids conflict; nothing has been computed yet.
     */
    private static void checkAdded(LegoNetModel model, PrivateSet data, History history, Dataset add,
                                   boolean readdForgotten) {
        if (add.size() == 0) {
            return;
        }
        if (add.dim() != model.encoder().inputDim()) {
            throw new LegoNetException(add.name() + ": samples to add have " + add.dim()
                    + " features; the model takes " + model.encoder().inputDim());
        }
        float[] row = new float[add.dim()];
        for (int i = 0; i < add.size(); i++) {
            if (add.label(i) >= model.classes()) {
                throw new LegoNetException(add.name() + ": sample id " + add.id(i) + " has label " + add.label(i)
                        + " outside the model's label set 0.." + (model.classes() - 1));
            }
            add.copyRow(i, row, 0);
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    throw new LegoNetException(add.name() + ": sample id " + add.id(i) + " has a non-finite feature ("
                            + v + ")");
                }
            }
        }
        long[] ids = add.ids();
        Arrays.sort(ids);
        List<Long> repeated = new ArrayList<>();
        List<Long> held = new ArrayList<>();
        List<Long> forgotten = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (i > 0 && ids[i] == ids[i - 1]) {
                if (repeated.isEmpty() || repeated.get(repeated.size() - 1) != ids[i]) {
                    repeated.add(ids[i]);
                }
            } else if (data.rowOf(ids[i]) >= 0) {
                held.add(ids[i]);
            } else if (!readdForgotten && history.wasForgotten(ids[i])) {
                forgotten.add(ids[i]);
            }
        }
        if (!repeated.isEmpty()) {
            throw new IdConflictException(IdConflictException.Reason.REPEATED, repeated);
        }
        if (!held.isEmpty()) {
            throw new IdConflictException(IdConflictException.Reason.HELD, held);
        }
        if (!forgotten.isEmpty()) {
            throw new IdConflictException(IdConflictException.Reason.FORGOTTEN, forgotten);
        }
    }
}
