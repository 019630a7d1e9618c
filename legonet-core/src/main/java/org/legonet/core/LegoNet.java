package org.legonet.core;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.model.Evaluation;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.model.Warmup;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.store.StoreChange;
import org.legonet.core.unlearn.Step;
import org.legonet.core.unlearn.Updater;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.util.Digests;

/**
 * A LegoNet model, for its whole life: train or open it, predict, forget and add samples exactly,
 * verify, save. This is the library's one entry point; the command line and the service use it
 * and nothing below it.
 *
 * <pre>{@code
 * try (LegoNet net = LegoNet.openForUpdate(dir, LegoNet.Options.defaults().withIdKey(key))) {
 *     Update u = net.forget(17L, 42L);          // pure: the next model, computed in memory
 *     LegoNet next = u.commit();                // durable: one atomic switch of the directory
 *     System.out.println(next.verify().provenExact() ? "EXACT" : "NOT EXACT");
 * }
 * }</pre>
 *
 * <p><b>Immutable snapshots.</b> A {@code LegoNet} never changes. {@link #forget}, {@link #forgetClass},
 * {@link #add} and {@link #apply} compute the next model (retraining from scratch only the adapters
 * the changed samples reach) and return it in an {@link Update}, touching no file: the pure step.
 * {@link Update#commit()} writes it to the directory the model was opened from, atomically, with a
 * line in the model's log: the commit. Every result equals, bit for bit, training from scratch on
 * the samples held after the change (docs/design.md); {@link #verify()} proves it.
 *
 * <p><b>One session.</b> A trained or opened model and every snapshot derived from it share one
 * session: the encoder (which may hold a native session), and for a directory opened for update
 * its writer lock. Closing any of them closes the session, after which none can predict; close
 * the one you trained or opened, once (try-with-resources). Snapshots are safe to read from many
 * threads; updates of one session are committed one at a time, each onto the snapshot it was
 * computed from (otherwise {@link StaleModelException}).
 *
 * <p><b>Id hashes.</b> The model's log (and the service's receipts) name forgotten samples only by
 * their id hashes, keyed with the model's {@link IdKey}, which the directory does not hold: keep
 * it apart ({@link #idKey()} after training) and give it in the {@link Options} to forget or add.
 *
 * <p><b>Where the samples live.</b> A model trained in memory holds its private samples in memory
 * until {@link #save}; a model opened from a directory reads them from there when it needs the raw
 * features ({@link #verify()}), and keeps their encodings and routes in memory.
 */
public final class LegoNet implements AutoCloseable {
    /**
     * How a session runs. No setting changes a model.
     *
     * @param threads  threads for training, encoding and verifying (at least 1)
     * @param progress where long work reports its progress
     * @param idKey    the key of the model's id hashes ({@link IdKey}), or null: a model trained in
     *                 memory then gets a new key ({@link #idKey()} returns it, to be kept outside
     *                 the model directory); a directory opened without it predicts, verifies and
     *                 audits, but cannot hash ids (forget, add, {@link #idHash}, {@link #wasForgotten})
     */
    public record Options(int threads, Progress progress, IdKey idKey) {
        public Options {
            if (threads < 1) {
                throw new InvalidSettingException("threads", "threads must be at least 1, got " + threads);
            }
            Objects.requireNonNull(progress, "progress");
        }

        /** Options without an id key. */
        public Options(int threads, Progress progress) {
            this(threads, progress, null);
        }

        /** All available processors, no progress reporting, no id key. */
        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), Progress.NONE);
        }

        public Options withThreads(int t) {
            return new Options(t, progress, idKey);
        }

        public Options withProgress(Progress p) {
            return new Options(threads, p, idKey);
        }

        public Options withIdKey(IdKey key) {
            return new Options(threads, progress, key);
        }
    }

    /**
     * The next model and what computing it did. Nothing is written until {@link #commit()}.
     *
     * @param next   the model after the change (uncommitted)
     * @param report what the change did
     */
    public record Update(LegoNet next, UpdateReport report) {
        /**
         * Writes this update to the model's directory atomically and returns the committed model.
         * An update computed from an uncommitted update of the same session commits that one first.
         * An update that changes nothing writes nothing.
         *
         * @throws IllegalStateException when the model has no directory ({@link #save} it) or was
         *                               opened read-only
         * @throws StaleModelException   when another update was committed since this one's model
         */
        public LegoNet commit() {
            return next.session.commit(this);
        }
    }

    /** Resources every snapshot of one trained or opened model shares. */
    private static final class Session {
        final Options options;
        /** The directory, or null for a model held only in memory. */
        final ModelStore store;
        /** Closed with the session: the encoder of a model trained in memory (a store closes its own). */
        final Encoder ownedEncoder;
        /** The salt of in-memory id hashes (a directory's hashes are its store's). */
        final String salt;
        /** The id key: the options', or for a model trained in memory a new one; null when opened without one. */
        final IdKey idKey;
        final DataSource source;
        final TrainStats stats;
        final Dataset publicSplit;
        /** The last committed snapshot (store-backed sessions). */
        LegoNet committed;
        /** Read without the session's lock: a commit holds that lock for its whole store update. */
        volatile boolean closed;

        Session(Options options, ModelStore store, Encoder ownedEncoder, String salt, IdKey idKey, DataSource source,
                TrainStats stats, Dataset publicSplit) {
            this.options = options;
            this.store = store;
            this.ownedEncoder = ownedEncoder;
            this.salt = salt;
            this.idKey = idKey;
            this.source = source;
            this.stats = stats;
            this.publicSplit = publicSplit;
        }

        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (store != null) {
                store.close();
            } else if (ownedEncoder != null) {
                ownedEncoder.close();
            }
        }

        /**
         * Throws once the session is closed. Not synchronized: a commit holds the session's lock
         * while it writes the store, and predictions and queries must not wait for it (they read
         * immutable snapshots). A close racing with a call that passed this check is the caller's
         * error either way.
         */
        void checkOpen() {
            if (closed) {
                throw new IllegalStateException("the model was closed");
            }
        }

        synchronized LegoNet commit(Update u) {
            checkOpen();
            if (store == null) {
                throw new IllegalStateException("this model is held in memory only; save it to a directory with save(dir)");
            }
            if (!store.writable()) {
                throw new IllegalStateException("the model directory was opened read-only; open it with openForUpdate to commit");
            }
            return commit(u.next());
        }

        /** Commits {@code s} after its uncommitted ancestors, and returns the committed snapshot it became. */
        private LegoNet commit(LegoNet s) {
            if (s.committedAs != null) {
                return s.committedAs;
            }
            if (s.step == null) { // opened or committed: only the current one is
                if (s != committed) {
                    throw stale(s);
                }
                return s;
            }
            LegoNet committedBase = commit(s.base);
            if (committedBase != committed) {
                throw stale(committedBase);
            }
            if (!s.step.changed()) {
                s.committedAs = committed;
                return committed;
            }
            long t0 = System.nanoTime();
            Step step = s.step;
            ChangeRecord rec = store.commit(new StoreChange(committed.generation, step.data(), step.model(),
                    step.retrained(), step.erasedRows(), step.appended(), step.record()));
            step.data().wipe();
            double storeSeconds = (System.nanoTime() - t0) / 1e9;
            LegoNet c = new LegoNet(this, store.model(), store.data(), null, store.manifest().generation(), null,
                    null, Set.of(), s.madeBy.committedAs(rec, storeSeconds));
            committed = c;
            s.committedAs = c;
            return c;
        }

        private StaleModelException stale(LegoNet s) {
            return new StaleModelException("the update was computed from generation " + s.generation + " of "
                    + store.dir() + ", which another update has replaced (now generation "
                    + store.manifest().generation() + "); compute it again from the current model");
        }
    }

    private final Session session;
    private final LegoNetModel model;
    private final PrivateSet data;
    /** Raw features per row of {@link #data} (null for an erased row); null when the directory holds them. */
    private final float[][] raw;
    /** The directory generation this snapshot is, or builds on (-1 in memory). */
    private final long generation;
    /** The snapshot this one was computed from (null for a trained, opened or committed one). */
    private final LegoNet base;
    /** The step that computed this snapshot from {@link #base} (null for a trained, opened or committed one). */
    private final Step step;
    /** Hashes of ids forgotten in memory since the directory's generation (or since training). */
    private final Set<String> forgottenSince;
    /** The report of the update that made this snapshot, or null. */
    private final UpdateReport madeBy;
    /** The committed snapshot this one became (guarded by the session). */
    private LegoNet committedAs;

    private LegoNet(Session session, LegoNetModel model, PrivateSet data, float[][] raw, long generation, LegoNet base,
                    Step step, Set<String> forgottenSince, UpdateReport madeBy) {
        this.session = session;
        this.model = model;
        this.data = data;
        this.raw = raw;
        this.generation = generation;
        this.base = base;
        this.step = step;
        this.forgottenSince = forgottenSince;
        this.madeBy = madeBy;
    }

    // ------------------------------------------------------------------------------------------
    // Creating a model

    /** Trains a model from scratch in memory; see {@link #train(ModelConfig, Dataset, Dataset, Options, DataSource)}. */
    public static LegoNet train(ModelConfig config, Dataset publicData, Dataset privateData) {
        return train(config, publicData, privateData, Options.defaults(), null);
    }

    /**
     * Trains a model from scratch, in memory: fits the encoder and the keys on {@code publicData}
     * only, encodes and routes {@code privateData} once, and trains every adapter on the samples
     * that activate it. Nothing is written: {@link #save} the result.
     *
     * @param publicData  samples that may shape the encoder and keys (never forgotten)
     * @param privateData samples the adapters train on: each can be forgotten later, by its id
     * @param options     how to run; its id key keys the id hashes, else a new key does
     *                    ({@link #idKey()})
     * @param source      where the data came from, recorded when the model is saved, or null
     */
    public static LegoNet train(ModelConfig config, Dataset publicData, Dataset privateData, Options options,
                                DataSource source) {
        Trained t = new LegoNetTrainer(config, options.threads(), options.progress()).train(publicData, privateData);
        Dataset priv = t.privateRaw();
        float[][] rows = new float[priv.size()][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new float[priv.dim()];
            priv.copyRow(r, rows[r], 0);
        }
        IdKey key = options.idKey() != null ? options.idKey() : IdKey.generate();
        Session s = new Session(options, null, t.model().encoder(), newSalt(), key, source, t.stats(), publicData);
        return new LegoNet(s, t.model(), t.data(), rows, -1, null, null, Set.of(), null);
    }

    /** Opens a model directory read-only, with the default options. */
    public static LegoNet open(Path dir) {
        return open(dir, Options.defaults());
    }

    /**
     * Opens a model directory read-only: predict, verify, and compute updates (which cannot be
     * committed). Every file is checked against the manifest; a damaged or foreign directory is a
     * {@link StoreException}. Readers take no lock and see one whole generation. The options' id
     * key, if any, must be the model's ({@link IdKeyException} otherwise).
     */
    public static LegoNet open(Path dir, Options options) {
        return opened(ModelStore.open(dir, false, options.idKey()), options);
    }

    /** Opens a model directory to update it, with the default options. */
    public static LegoNet openForUpdate(Path dir) {
        return openForUpdate(dir, Options.defaults());
    }

    /**
     * Opens a model directory to update it: takes its writer lock (a {@link ModelLockedException}
     * when another writer holds it) and removes what an interrupted update left behind.
     */
    public static LegoNet openForUpdate(Path dir, Options options) {
        return opened(ModelStore.open(dir, true, options.idKey()), options);
    }

    private static LegoNet opened(ModelStore store, Options options) {
        Session s = new Session(options, store, null, store.manifest().deletions().salt(), options.idKey(), null, null,
                null);
        LegoNet net = new LegoNet(s, store.model(), store.data(), null, store.manifest().generation(), null, null,
                Set.of(), null);
        s.committed = net;
        return net;
    }

    /**
     * Starts compiling the training kernels on a background thread, so that the first update of a
     * short-lived process does not run in the interpreter. Optional; results never depend on it.
     */
    public static void warmUp() {
        Warmup.start();
    }

    // ------------------------------------------------------------------------------------------
    // Predicting

    /** Predicts samples given as rows of raw features (each of {@link #inputDim()} values). */
    public Predictions predict(float[][] samples) {
        int dim = inputDim();
        float[] x = new float[Math.multiplyExact(samples.length, dim)];
        for (int r = 0; r < samples.length; r++) {
            if (samples[r].length != dim) {
                throw new LegoNetException("sample " + r + " has " + samples[r].length + " features; the model takes "
                        + dim);
            }
            System.arraycopy(samples[r], 0, x, r * dim, dim);
        }
        return predict(x, samples.length);
    }

    /** Predicts {@code rows} samples given one after another in {@code features}. */
    public Predictions predict(float[] features, int rows) {
        return predict(features, rows, AdapterMask.NONE);
    }

    /**
     * Predicts {@code rows} samples with the adapters of {@code mask} switched off. Each sample is
     * routed to its k nearest adapters as always; its masked adapters do not vote (like empty ones)
     * and the rest share its weight. A sample left with no voter by the mask is not answered
     * ({@link Predictions#answered}). The answers are a pure function of this model (its retained
     * data and frozen keys) and the mask, so anyone holding the model directory and the mask
     * computes the same bits; with an empty mask they are those of {@link #predict(float[], int)}.
     */
    public Predictions predict(float[] features, int rows, AdapterMask mask) {
        session.checkOpen();
        int n = model.adapterCount();
        if (mask.bound() > n) {
            throw new LegoNetException("the mask names adapter " + (mask.bound() - 1) + "; this model has adapters 0.."
                    + (n - 1));
        }
        int dim = inputDim();
        if (features.length != (long) rows * dim) {
            throw new LegoNetException("expected " + rows + " samples of " + dim + " features (" + (long) rows * dim
                    + " values), got " + features.length + " values");
        }
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                throw new LegoNetException("sample " + (i / dim) + " feature " + (i % dim) + " is not a finite number");
            }
        }
        Encoder enc = model.encoder();
        float[] e = new float[rows * enc.outputDim()];
        enc.encode(features, rows, e);
        int k = model.router().k();
        int[] routes = new int[rows * k];
        boolean[] masked = mask.flags(n);
        boolean[] answered = new boolean[rows];
        float[] probs = model.predictEncoded(e, rows, routes, masked, answered);
        return new Predictions(model.digest(), rows, model.classes(), k, probs, routes, mask, model.voting(masked),
                answered);
    }

    /** Predicts every sample of {@code samples} (labels are ignored). */
    public Predictions predict(Dataset samples) {
        float[] x = new float[Math.multiplyExact(samples.size(), samples.dim())];
        for (int r = 0; r < samples.size(); r++) {
            samples.copyRow(r, x, r * samples.dim());
        }
        return predict(x, samples.size());
    }

    /** Accuracy on labelled samples (labels outside the label set count as wrong). */
    public Accuracy evaluate(Dataset samples) {
        session.checkOpen();
        if (samples.dim() != inputDim()) {
            throw new LegoNetException(samples.name() + " has " + samples.dim() + " features per sample; the model takes "
                    + inputDim());
        }
        return Evaluation.ofRaw(model, samples, session.options.threads(), session.options.progress());
    }

    /** Accuracy on the private samples the model holds, from their cached encodings. */
    public Accuracy evaluateRetained() {
        return Evaluation.ofRetained(model, data);
    }

    // ------------------------------------------------------------------------------------------
    // Updating: the pure step

    /** Forgets these private samples; see {@link #apply}. Ids already forgotten are a no-op with a note. */
    public Update forget(long... ids) {
        return apply(Edit.forget(ForgetRequest.ofIds(ids)));
    }

    /** Forgets every private sample of class {@code c} (the paper's UnClass); see {@link #apply}. */
    public Update forgetClass(int c) {
        return apply(Edit.forget(ForgetRequest.ofClass(c)));
    }

    /**
     * Adds new private samples (new ids, labels in the label set, raw features); see {@link #apply}.
     * An id the model holds, or forgot earlier, is refused ({@link IdConflictException}); to add a
     * forgotten id again, use {@code apply(Edit.add(samples).withReaddForgotten(true))}.
     */
    public Update add(Dataset samples) {
        return apply(Edit.add(samples));
    }

    /**
     * Computes the next model: adds, then forgets, what {@code edit} names, retraining from scratch
     * each adapter the changed samples reach, once. Touches no file. Bad requests (unknown ids, a
     * class outside the label set, conflicting ids, wrong feature counts) fail before anything is
     * computed.
     */
    public Update apply(Edit edit) {
        return apply(edit, null, false);
    }

    /**
     * {@link #apply(Edit)} for a service carrying out the requests {@code requestIds}: their ids
     * are recorded with the change at its commit, so that a replay after a crash can tell a request
     * already applied. With {@code retrainAll} every adapter is retrained (the baseline LegoNet's
     * cost is measured against): the same model, bit for bit, only slower.
     */
    public Update apply(Edit edit, List<String> requestIds, boolean retrainAll) {
        return apply(edit, requestIds, retrainAll, AdapterMask.NONE);
    }

    /**
     * {@link #apply(Edit, List, boolean)} that also retrains the adapters of {@code alsoRetrain}:
     * a service passes the masks ({@link #adaptersToMask}) of the forget requests it carries out, so
     * that the retrained set it reports contains every adapter it masked for them. They hold no
     * sample the edit changes unless the edit touches them, so they come out bit for bit as they
     * were; they count as route-hiding cover (docs/privacy.md), and the model's cover setting tops
     * them up to {@link ModelConfig#cover()} adapters besides those the edit touches.
     */
    public Update apply(Edit edit, List<String> requestIds, boolean retrainAll, AdapterMask alsoRetrain) {
        session.checkOpen();
        Objects.requireNonNull(edit, "edit");
        if (session.store != null) {
            session.store.requireIdKey();
        }
        checkStorable(edit);
        Step s = new Updater(session.options.threads(), session.options.progress())
                .step(model, data, updateHistory(), edit, requestIds, retrainAll, alsoRetrain.adapters());
        if (!s.changed()) {
            return new Update(new LegoNet(session, model, data, raw, generation, this, s, forgottenSince, s.report()),
                    s.report());
        }
        Set<String> forgotten = forgottenSince;
        if (s.record().idHashes() != null && !s.record().idHashes().isEmpty()) {
            forgotten = new HashSet<>(forgottenSince);
            forgotten.addAll(s.record().idHashes());
        }
        LegoNet next = new LegoNet(session, s.model(), s.data(), nextRaw(s), generation, this, s, forgotten,
                s.report());
        return new Update(next, s.report());
    }

    /**
     * Checks {@code edit} as {@link #apply} would before computing anything, and computes nothing:
     * it throws what {@code apply} would refuse the edit with ({@link UnknownIdsException},
     * {@link UnknownClassException}, {@link IdConflictException}, a {@link LegoNetException} for
     * samples that do not fit the model), or returns. A service validates a request with it when
     * the request arrives, before it is logged, and applies it later.
     */
    public void check(Edit edit) {
        session.checkOpen();
        Updater.check(model, data, updateHistory(), Objects.requireNonNull(edit, "edit"));
        checkStorable(edit);
    }

    /**
     * The adapters that hold a retained sample {@code request} names: those a forget of it would
     * retrain (besides its route-hiding cover, if the model has one: {@link #adaptersToMask}), and
     * so those a service must mask from the moment it accepts the request until the commit that
     * retrains them. Ids this model does not hold (unknown, already forgotten, or to be
     * added by a queued request) contribute nothing; a class request gives every adapter holding a
     * sample of that class. Computes nothing else and changes nothing.
     */
    public AdapterMask adaptersHolding(ForgetRequest request) {
        session.checkOpen();
        return AdapterMask.of(data.affectedBy(Updater.heldRows(data, request)));
    }

    /**
     * The adapters a service masks for a forget of {@code request}: those a forget of it alone would
     * retrain on this model. Without route-hiding cover ({@link ModelConfig#cover()} 0) these are
     * {@link #adaptersHolding}; with cover C they are those plus the C cover adapters the forget's
     * commit would retrain, so that a mask, which every answer names, shows no more than the
     * change's record will (docs/privacy.md). A commit given these adapters to retrain as well
     * ({@link #apply(Edit, List, boolean, AdapterMask)}) retrains each of them. Trains nothing and
     * changes nothing.
     */
    public AdapterMask adaptersToMask(ForgetRequest request) {
        session.checkOpen();
        return AdapterMask.of(Updater.retrainedByForget(model, data, updateHistory(), request));
    }

    /** Refuses samples to add that the directory could not keep exactly (before anything is retrained). */
    private void checkStorable(Edit edit) {
        if (edit.add() != null && session.store != null) {
            session.store.checkStorable(edit.add());
        }
    }

    /**
     * The model this snapshot is (frozen encoder and keys, adapters), for analyses below this
     * facade: the privacy audit trains shadow adapters with its encoder and keys and simulates
     * updates with {@link Updater} in memory. Immutable, like the snapshot.
     */
    public LegoNetModel model() {
        session.checkOpen();
        return model;
    }

    /**
     * The private samples of this snapshot as the adapters see them (ids, labels, cached encodings,
     * routes), for the same analyses as {@link #model()}. Immutable in what it exposes.
     */
    public PrivateSet privateSet() {
        session.checkOpen();
        return data;
    }

    /**
     * What {@link Updater#step} needs to know of this snapshot's history: which ids were forgotten,
     * and their hashes as the log keeps them. An update simulated with it equals {@link #apply}'s.
     */
    public Updater.History updateHistory() {
        return new Updater.History() {
            @Override
            public boolean wasForgotten(long id) {
                return LegoNet.this.wasForgotten(id);
            }

            @Override
            public String hashId(long id) {
                return idHash(id);
            }
        };
    }

    /** The in-memory raw rows after {@code s}: forgotten rows dropped, added rows appended. */
    private float[][] nextRaw(Step s) {
        if (raw == null) {
            return null;
        }
        int rows = s.data().rows();
        float[][] next = Arrays.copyOf(raw, rows);
        Dataset added = s.appended();
        int from = raw.length;
        for (int i = 0; i < added.size(); i++) {
            float[] row = new float[added.dim()];
            added.copyRow(i, row, 0);
            next[from + i] = row;
        }
        for (int r : s.erasedRows()) {
            next[r] = null;
        }
        return next;
    }

    // ------------------------------------------------------------------------------------------
    // Verifying and saving

    /**
     * Proves the model exact: rebuilds it from the retained raw samples alone (re-encode with the
     * frozen encoder, re-route with the frozen keys, retrain every adapter from scratch) and
     * compares every adapter bit for bit. Nothing is written. For an update not yet committed to
     * its directory, commit it first.
     */
    public VerifyReport verify() {
        return verify(null, "chosen");
    }

    /**
     * Verifies with only the adapters some committed update retrained rebuilt from scratch: faster,
     * and the report says it is no proof for the others ({@link VerifyReport#fullRebuild()}).
     */
    public VerifyReport verifyAffected() {
        checkVerifiable();
        if (session.store == null) {
            return verify();
        }
        return verify(session.store.adaptersEverRetrained(), "retrained by updates");
    }

    private VerifyReport verify(int[] adapters, String which) {
        checkVerifiable();
        Verifier v = new Verifier(session.options.threads(), session.options.progress());
        if (session.store != null) {
            synchronized (session) {
                return v.verify(session.store, adapters, which);
            }
        }
        return v.verify(model, data, retainedRaw(), adapters, which);
    }

    private void checkVerifiable() {
        session.checkOpen();
        if (session.store != null && unchangedBase() != committedSnapshot()) {
            throw new IllegalStateException("verify the model its directory holds: commit this update first, "
                    + "or verify the committed model");
        }
    }

    /** This snapshot, or for an update that changed nothing the snapshot it was computed from. */
    private LegoNet unchangedBase() {
        LegoNet s = this;
        while (s.step != null && !s.step.changed()) {
            s = s.base;
        }
        return s;
    }

    private LegoNet committedSnapshot() {
        synchronized (session) {
            return committedAs != null ? committedAs : session.committed;
        }
    }

    /**
     * The private samples the model holds, as they were given (ids, labels, raw features): what
     * {@link #verify()} rebuilds from, and what a full retrain starts from. Read from the directory
     * for a model opened from one (only for the snapshot the directory holds).
     */
    public Dataset retainedSamples() {
        checkVerifiable();
        if (session.store != null) {
            synchronized (session) {
                return session.store.readRaw(session.options.progress());
            }
        }
        return retainedRaw();
    }

    /** The retained raw samples of an in-memory model, in row order. */
    private Dataset retainedRaw() {
        int[] rows = data.retainedRows();
        int dim = inputDim();
        long[] ids = new long[rows.length];
        int[] labels = new int[rows.length];
        float[] x = new float[Math.multiplyExact(rows.length, dim)];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = data.id(rows[i]);
            labels[i] = data.label(rows[i]);
            System.arraycopy(raw[rows[i]], 0, x, i * dim, dim);
        }
        return new Dataset("retained samples", ids, labels, x, sampleShape());
    }

    /**
     * Checks, before a long training, that {@link #save(Path, boolean) save(dir, replace)} may
     * write to {@code dir}: absent, empty, or (with {@code replace}) a model directory. The same
     * check {@code save} makes; a {@link StoreException} names the problem.
     */
    public static void checkTarget(Path dir, boolean replace) {
        ModelStore.checkTarget(dir, replace);
    }

    /** Writes this model to a new directory; see {@link #save(Path, boolean)}. */
    public void save(Path dir) {
        save(dir, false);
    }

    /**
     * Writes this model, held in memory, to a new model directory, atomically (the directory
     * appears complete or not at all). An existing directory is replaced only with
     * {@code replace}, and only if it is a model directory or empty ({@link TargetExistsException}
     * otherwise). Open the directory with {@link #openForUpdate} to update it there. A model
     * opened from a directory is already saved: copy the directory instead. The directory's id
     * hashes are keyed with {@link #idKey()}, which it does not hold: keep the key to forget later.
     */
    public void save(Path dir, boolean replace) {
        session.checkOpen();
        if (raw == null) {
            throw new IllegalStateException("this model was opened from " + session.store.dir()
                    + ", where it is saved already; copy that directory to save it elsewhere");
        }
        ModelStore.checkTarget(dir, replace);
        DataSource src = session.source != null ? session.source : DataSource.of("private samples");
        int pub = session.publicSplit == null ? 0 : session.publicSplit.size();
        Dataset retained = retainedRaw(); // the store writes retained rows only
        Manifest.DatasetInfo info = new Manifest.DatasetInfo(src.description(), src.source(), retained.fingerprint(),
                src.trainRows() > 0 ? src.trainRows() : pub + data.retained(), pub, data.retained(), inputDim(),
                sampleShape(), src.spec());
        TrainStats stats = session.stats != null ? session.stats : new TrainStats(0, 0, 0, 0, 0, session.options.threads());
        ModelStore.create(dir, new Trained(model, data, retained, stats), info, session.idKey, replace,
                session.options.progress());
    }

    // ------------------------------------------------------------------------------------------
    // What the model is

    /** The model digest: SHA-256 over the encoder fingerprint, the key digest and every adapter digest. */
    public String digest() {
        return model.digest();
    }

    /**
     * The directory generation this snapshot is (0 when trained, one more per committed update),
     * or builds on for an uncommitted update; -1 for a model held only in memory. Cheaper than
     * {@link #info()}, for callers that label every answer with it.
     */
    public long generation() {
        return generation;
    }

    /** The SHA-256 fingerprint of the frozen encoder (its specification and fitted state). */
    public String encoderFingerprint() {
        return model.encoder().fingerprint();
    }

    /** Features per sample the model takes. */
    public int inputDim() {
        return model.encoder().inputDim();
    }

    /** Size of the label set. */
    public int classes() {
        return model.classes();
    }

    public ModelConfig config() {
        return model.config();
    }

    /** The model directory, or null for a model held only in memory. */
    public Path dir() {
        return session.store == null ? null : session.store.dir();
    }

    /** Whether this model was opened from a directory for update (its updates can be committed). */
    public boolean updatable() {
        return session.store != null && session.store.writable();
    }

    /** The report of the update that made this snapshot, or null for a trained or opened model. */
    public UpdateReport lastUpdate() {
        return madeBy;
    }

    /** Figures of the training run, for a model trained in this process (else null). */
    public TrainStats trainStats() {
        return session.stats;
    }

    /** The ids of the private samples the model holds, ascending. */
    public long[] retainedIds() {
        int[] rows = data.retainedRows();
        long[] ids = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = data.id(rows[i]);
        }
        Arrays.sort(ids);
        return ids;
    }

    /** Whether the model holds a private sample with this id. */
    public boolean holds(long id) {
        int r = data.rowOf(id);
        return r >= 0 && !data.isErased(r);
    }

    /** The label of the held private sample {@code id}. */
    public int labelOf(long id) {
        int r = data.rowOf(id);
        if (r < 0 || data.isErased(r)) {
            throw new UnknownIdsException(List.of(id));
        }
        return data.label(r);
    }

    /** Whether a committed forget, or one this snapshot was computed with, erased {@code id}. */
    public boolean wasForgotten(long id) {
        return forgottenSince.contains(idHash(id)) || session.store != null && session.store.wasForgotten(id);
    }

    /**
     * The hash of an id as the model's log and receipts keep it (32 hex digits): keyed with the
     * model's id key under the model's own salt ({@link IdKey#hashId}), so that neither the
     * directory alone nor another model's hashes reveal the id. A model directory of format version
     * 2 or 3 not yet rekeyed ({@link #keyedIdHashes()} false) keeps unkeyed hashes.
     *
     * @throws IdKeyException when the model's hashes are keyed and it was opened without its key
     */
    public String idHash(long id) {
        if (session.store != null) {
            return session.store.hashId(id);
        }
        return session.idKey.hashId(session.salt, id);
    }

    /**
     * Whether the model's id hashes are keyed. False only for a directory written before keyed
     * hashes (format version 2 or 3) and not rekeyed since: its log can be reversed by anyone who
     * holds the directory, by hashing every possible id ({@link #rekey}).
     */
    public boolean keyedIdHashes() {
        return session.store == null || session.store.keyedIdHashes();
    }

    /**
     * The key of this model's id hashes: the one it was opened with, or for a model trained in
     * memory the one it was trained with (a new one unless the options gave one); null for a
     * directory opened without a key. Keep it outside the model directory.
     */
    public IdKey idKey() {
        return session.idKey;
    }

    /**
     * Rewrites the id hashes of a directory written before keyed hashes with this session's id key:
     * every unkeyed hash in its deletion log is found again among {@code candidates} (the ids the
     * forgotten samples may have had, for example every id of the data the model was trained on)
     * and replaced by its keyed hash, atomically; the model itself does not change. Before anything
     * is written, {@code beforeSwitch} is given the keyed hash of every unkeyed one that the log,
     * or the candidates and retained samples, hold, so that a caller may first rewrite copies kept
     * elsewhere (receipts); it should leave a hash it finds already keyed as it is, so that an
     * interrupted rekey can be run again.
     *
     * @return the rekeyed model (the next generation of the directory; this snapshot is stale)
     * @throws LegoNetException when an unkeyed hash of the log matches no candidate (naming how
     *                          many; nothing is written), or when the hashes are keyed already
     * @throws IdKeyException   when the session has no id key
     */
    public LegoNet rekey(long[] candidates, java.util.function.Consumer<Map<String, String>> beforeSwitch) {
        session.checkOpen();
        if (!updatable()) {
            throw new IllegalStateException("rekey needs the directory opened for update");
        }
        synchronized (session) {
            if (session.committed != this) {
                throw new IllegalStateException("rekey the committed model of the directory");
            }
            ModelStore store = session.store;
            if (store.keyedIdHashes()) {
                throw new LegoNetException("the id hashes of " + store.dir() + " are keyed already; nothing to rekey");
            }
            if (session.idKey == null) {
                throw ModelStore.missingKey(store.dir());
            }
            String salt = store.manifest().deletions().salt();
            Map<String, String> keyed = new java.util.HashMap<>();
            for (long id : candidates) {
                keyed.put(ModelStore.unkeyedHashId(salt, id), session.idKey.hashId(salt, id));
            }
            for (int r : data.retainedRows()) {
                keyed.put(ModelStore.unkeyedHashId(salt, data.id(r)), session.idKey.hashId(salt, data.id(r)));
            }
            List<ChangeRecord> log = store.deletions();
            long missing = log.stream().flatMap(r -> r.idHashes().stream()).filter(h -> !keyed.containsKey(h)).count();
            if (missing > 0) {
                throw new LegoNetException(missing + " forgotten id hash" + (missing == 1 ? " of the deletion log "
                        + "matches" : "es of the deletion log match") + " no id of the data given, so "
                        + (missing == 1 ? "its id is" : "their ids are") + " unknown; nothing was written (give the "
                        + "data the model was trained on and added to)");
            }
            beforeSwitch.accept(java.util.Collections.unmodifiableMap(keyed));
            store.rekey(keyed);
            LegoNet c = new LegoNet(session, store.model(), store.data(), null, store.manifest().generation(), null,
                    null, Set.of(), null);
            session.committed = c;
            return c;
        }
    }

    /** The committed log of updates, oldest first (empty in memory). */
    public List<ChangeRecord> history() {
        session.checkOpen();
        return session.store == null ? List.of() : session.store.deletions();
    }

    /**
     * Has {@code observer} told of every step of each later commit of this session, on the
     * committing thread (the service counts commits and injects faults with it). An exception it
     * throws aborts the commit where it stands, as a crash would; the model must then be closed and
     * opened again.
     */
    public void observeCommits(CommitObserver observer) {
        if (session.store != null) {
            session.store.observeCommits(observer);
        }
    }

    /** What the model is and holds. */
    public ModelInfo info() {
        session.checkOpen();
        PrivateSet.Sizes s = data.sizes();
        ModelInfo.AdapterSizes sizes = new ModelInfo.AdapterSizes(s.min(), s.mean(), s.max());
        if (session.store != null && unchangedBase() == committedSnapshot()) {
            Manifest m = session.store.manifest();
            return new ModelInfo(session.store.dir(), model.digest(), m.generation(), m.created(), m.updated(),
                    m.legonetVersion(), model.config(), model.classes(), m.encoder().spec(), m.encoder().inputDim(),
                    m.encoder().outputDim(), m.dataset().description(), m.dataset().spec(),
                    m.dataset().sampleShape(), m.privateData().rows(), data.retained(), m.deletions().requests(),
                    m.deletions().samples(), Math.max(0, m.privateData().rows() - m.dataset().privateRows()),
                    model.emptyAdapters(), sizes, data.expectedRemovalCost(), data.idealRemovalCost(),
                    m.training());
        }
        Map<String, Object> training = session.stats == null ? Map.of() : session.stats.toMap();
        String dataset = session.source != null ? session.source.description() : "private samples";
        return new ModelInfo(dir(), model.digest(), generation, null, null, Version.VERSION, model.config(),
                model.classes(), model.encoder().spec(), inputDim(), model.encoder().outputDim(), dataset,
                session.source == null ? null : session.source.spec(), sampleShape(), data.rows(), data.retained(),
                0, data.rows() - data.retained(), 0, model.emptyAdapters(), sizes, data.expectedRemovalCost(),
                data.idealRemovalCost(), training);
    }

    private int[] sampleShape() {
        if (session.store != null) {
            int[] shape = session.store.manifest().dataset().sampleShape();
            return shape == null ? new int[] {inputDim()} : shape;
        }
        return session.publicSplit == null ? new int[] {inputDim()} : session.publicSplit.sampleShape();
    }

    /**
     * Closes the session this model belongs to: its encoder and, for a directory opened for
     * update, the writer lock. Every snapshot of the session stops working. Closing twice does
     * nothing.
     */
    @Override
    public void close() {
        session.close();
    }

    private static String newSalt() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return Digests.hex(b);
    }

    @Override
    public String toString() {
        return "LegoNet[" + model.digest().substring(0, 16) + (dir() == null ? ", in memory" : ", " + dir()) + "]";
    }
}
