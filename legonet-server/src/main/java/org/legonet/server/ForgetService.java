package org.legonet.server;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.legonet.core.AdapterMask;
import org.legonet.core.ChangeRecord;
import org.legonet.core.CommitObserver;
import org.legonet.core.Edit;
import org.legonet.core.IdKeyException;
import org.legonet.core.ForgetRequest;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelInfo;
import org.legonet.core.Progress;
import org.legonet.core.StoreException;
import org.legonet.core.UnknownClassException;
import org.legonet.core.UpdateReport;
import org.legonet.core.data.Dataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable, exactly-once requests on a model directory held for update: forgets (ids or a class)
 * and adds (new samples). The service holds its model through the library facade {@link LegoNet}.
 *
 * <p>The protocol: a request is validated, appended to the {@link RequestLog} and forced to disk,
 * and only then acknowledged. Validation is the model's own ({@link LegoNet#check}: unknown ids, a
 * class outside the label set, samples that do not fit, ids that conflict), against the committed
 * model plus the adds already queued: an id a queued add will add may be forgotten by a later
 * request, and may not be added twice. One worker thread takes the queued requests in order as
 * one batch (see {@link #takeBatch}), merges them into one {@link Edit} (all its adds, then all its
 * forgets), computes the next model in memory ({@link LegoNet#apply}, retraining each affected
 * adapter once) and commits it with one atomic switch of the directory, whose log record names
 * the requests (the commit point). Then each request gets a {@link Receipt}, and its plaintext ids
 * and samples leave the log. After a crash, start-up replays the log: a request named by a
 * committed record ({@link LegoNet#history()}) was applied (only its receipt may be missing, and is
 * rebuilt from the record, identically); any other is run again. So no acknowledged request is lost
 * and none is applied twice.
 *
 * <p>A commit that fails is resolved by the directory, not guessed: the model is closed and opened
 * again (which also removes what the failed commit left), and its log says whether the batch's
 * requests were committed. Either the switch happened (the batch is done: receipts are written)
 * or it did not (the batch failed and stays in the request log).
 *
 * <p><b>Masking.</b> Predictions read an immutable {@link Serving} snapshot: the committed model
 * and a mask, the adapters that hold a sample of a forget request accepted and not yet committed
 * ({@link LegoNet#adaptersHolding}). With route-hiding cover the mask of a forget also holds the
 * cover its commit will retrain ({@link LegoNet#adaptersToMask}), stays the same from its
 * acceptance to its commit, and the commit retrains all of it, so that neither the masks that
 * answers name nor the retrained sets of records, receipts, logs and metrics single out the
 * adapters that held the request's samples (docs/privacy.md). A forget's adapters are masked as soon as it arrives, before
 * it is validated and logged, so before its 202; a mask is lifted only by the commit that retrains
 * those adapters (the mask is computed again from the open requests at each commit, in the same
 * step that publishes the new model). Masks and commits swap the snapshot with compare-and-set,
 * without a lock, so a mask never waits for another request or a commit. A request refused, or
 * whose line never became durable, can only keep some adapters masked until the next commit. At start-up, the logged requests are
 * masked before the service answers anything. Answers come from unmasked adapters only
 * ({@link LegoNet#predict(float[], int, AdapterMask)}), so every answer is a pure function of the
 * committed model and the mask it names.
 *
 * <p><b>Group commit.</b> Lines are written under the accept lock and made durable outside it by
 * {@link RequestLog#sync}, so requests that arrive together share one fsync. A request reaches the
 * worker's queue only once durable, in log order.
 */
final class ForgetService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("legonet.server");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What a request is doing: an add is {@code QUEUED} until the worker runs it; a forget is
     * {@code MASKED} from its acceptance (its adapters answer nothing) until it is done.
     */
    enum State { QUEUED, MASKED, RUNNING, DONE, FAILED }

    /**
     * What predictions and model queries read, replaced as a whole when a commit switches the model
     * or a forget changes the mask.
     *
     * @param model   the committed model
     * @param info    what it is and holds, computed once per commit
     * @param mask    the adapters holding a sample of an open forget request
     * @param maskSeq one more at each change of the mask or the model, in this process
     */
    record Serving(LegoNet model, ModelInfo info, AdapterMask mask, long maskSeq) {
        /** The mask's name in answers: the model's generation and the change that made it. */
        String maskId() {
            return model.generation() + "-" + maskSeq;
        }
    }

    /**
     * Times of a request in this process, measured from its arrival: until its mask took effect,
     * until its 202, until its commit switched the model (NaN while not reached or not measured);
     * the generation of the model that no longer holds its samples (-1 while not committed, or
     * when nothing needed to change); and, for a forget, the adapters masked for it.
     */
    record Timings(double maskedMs, double acknowledgedMs, double committedMs, long committedGeneration,
                   AdapterMask adapters) {
    }

    /** Where a request stands, as {@code GET /v1/requests/{id}} reports it. */
    record Status(String requestId, boolean add, State state, String received, String masked, AdapterMask adapters,
                  Receipt receipt, String error, Timings timings) {
    }

    private static final class Tracked {
        final LoggedRequest request;
        /** Arrival ({@link System#nanoTime()}), or 0 for a request recovered from the log. */
        final long arrival;
        volatile State state;
        volatile String error;
        /** For a forget: the adapters holding its samples in the served model. */
        volatile AdapterMask adapters = AdapterMask.NONE;
        /** Its position in the request log. */
        long walPosition;
        volatile double maskedMs = Double.NaN;
        volatile double acknowledgedMs = Double.NaN;
        /** Set once a commit carried it out (its adapters are retrained: no longer masked for it). */
        volatile boolean committed;
        volatile double committedMs = Double.NaN;
        volatile long committedGeneration = -1;
        final CompletableFuture<Void> finished = new CompletableFuture<>();

        Tracked(LoggedRequest request, long arrival) {
            this.request = request;
            this.arrival = arrival;
            this.state = request.isAdd() ? State.QUEUED : State.MASKED;
        }

        double since(long now) {
            return arrival == 0 ? Double.NaN : (now - arrival) / 1e6;
        }
    }

    private final Path dir;
    private final LegoNet.Options options;
    private final RequestLog log;
    private final ReceiptLog receipts;
    private final FaultInjector faults;
    private final ServerMetrics metrics;
    private final AtomicReference<Serving> serving = new AtomicReference<>();
    /** Serialises validation and appends to the request log with the queue, so all keep one order. */
    private final Object acceptLock = new Object();
    /**
     * Ids that accepted add requests not yet committed will add, each with its request (guarded by
     * {@link #acceptLock}). A request to add one of them again is refused; a forget naming one is
     * valid, since the add runs first.
     */
    private final Map<Long, String> pendingAdds = new HashMap<>();
    /** Guards the queue. */
    private final Object queueLock = new Object();
    private final ArrayDeque<Tracked> queue = new ArrayDeque<>();
    /** Requests not done: queued, running or failed. Done ones are found by their receipts. */
    private final Map<String, Tracked> open = new ConcurrentHashMap<>();
    /** Requests written to the log and not yet durable, in log order (guarded by {@link #queueLock}). */
    private final ArrayDeque<Tracked> undurable = new ArrayDeque<>();
    /** Timings of requests finished in this process, the newest {@value #KEPT_TIMINGS} (guarded by itself). */
    private final Map<String, Timings> finishedTimings = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Timings> eldest) {
            return size() > KEPT_TIMINGS;
        }
    };
    private static final int KEPT_TIMINGS = 100_000;
    /**
     * Forgets masked and not yet open. A forget joins before it publishes its mask and leaves once
     * it is open (or refused), so a commit that publishes meanwhile always sees it in one place or
     * the other.
     */
    private final Set<Masking> masking = ConcurrentHashMap.newKeySet();
    /** Notified whenever {@link #serving} changes; predictions wait on it for masks to lift. */
    private final Object servingChanged = new Object();
    private final java.util.concurrent.atomic.AtomicLong maskSeq = new java.util.concurrent.atomic.AtomicLong();
    /** Seconds the last batch took from taking to commit, for Retry-After. */
    private volatile double lastBatchSeconds = 1.0;
    /** When the worker took its current batch. */
    private volatile long batchStarted;
    private final Thread worker;
    private volatile boolean stopping;

    private ForgetService(LegoNet model, LegoNet.Options options, RequestLog log, ReceiptLog receipts,
                          ServerConfig config, ServerMetrics metrics) {
        this.dir = model.dir();
        this.options = options;
        this.log = log;
        this.receipts = receipts;
        this.faults = config.faults();
        this.metrics = metrics;
        this.worker = new Thread(this::work, "legonet-forget-worker");
        publish(model, AdapterMask.NONE);
    }

    /**
     * Opens the model directory of {@code config} for update (its writer lock keeps every other
     * writer out while the service runs), its request log and its receipts, and recovers what a
     * crash left: missing receipts of committed requests are written, finished requests leave the
     * log, and the rest are queued again. The worker starts with {@link #start()}.
     */
    static ForgetService open(ServerConfig config, ServerMetrics metrics) {
        FaultInjector faults = config.faults();
        LegoNet.Options options = new LegoNet.Options(config.threads(), new RetrainProgress(faults), config.idKey());
        LegoNet model = LegoNet.openForUpdate(config.model(), options);
        ReceiptLog receipts = null;
        RequestLog log = null;
        try {
            // receipts and the log name ids by their keyed hashes: without the key no request could be carried out
            if (model.keyedIdHashes() && model.idKey() == null) {
                throw new IdKeyException("the id hashes of " + model.dir() + " are keyed and the service was given no "
                        + "id key; start it with the model's key", true, model.dir());
            }
            if (!model.keyedIdHashes()) {
                LOG.warn("{} keeps unkeyed id hashes (written before LegoNet keyed them): whoever holds the directory "
                        + "can find which ids its log and receipts name; key them with 'legonet rekey'", model.dir());
            }
            receipts = ReceiptLog.open(model.dir());
            log = RequestLog.open(model.dir(), faults);
            ForgetService s = new ForgetService(model, options, log, receipts, config, metrics);
            s.recover();
            metrics.gauges(s::depth, () -> s.serving().model().generation(), () -> s.serving().mask().size(),
                    log::records, log::fsyncs);
            return s;
        } catch (IOException | RuntimeException e) {
            if (log != null) {
                log.close();
            }
            if (receipts != null) {
                receipts.close();
            }
            model.close();
            throw e instanceof RuntimeException re ? re
                    : new StoreException("cannot recover the requests of " + config.model() + ": " + e.getMessage(), e);
        }
    }

    private void recover() throws IOException {
        Map<String, ChangeRecord> committed = new HashMap<>();
        for (ChangeRecord r : serving().model().history()) {
            if (r.requests() != null) {
                for (String id : r.requests()) {
                    committed.put(id, r);
                }
            }
        }
        List<String> finished = new ArrayList<>();
        int rebuilt = 0;
        for (LoggedRequest r : log.recovered()) {
            if (receipts.get(r.requestId()) != null) {
                finished.add(r.requestId());
            } else if (committed.containsKey(r.requestId())) {
                receipts.append(receiptFor(r, committed.get(r.requestId())));
                faults.at(FaultInjector.RECOVERY_RECEIPT);
                finished.add(r.requestId());
                rebuilt++;
            } else {
                Tracked t = new Tracked(r, 0);
                open.put(r.requestId(), t);
                queue.add(t);
                if (r.isAdd()) {
                    for (long id : r.ids()) {
                        pendingAdds.put(id, r.requestId());
                    }
                }
            }
        }
        log.remove(finished);
        // every logged forget not yet committed is masked before the service answers anything
        publish(serving().model(), openMask(serving().model()));
        faults.at(FaultInjector.RECOVERY_MASKED);
        if (!log.recovered().isEmpty() || log.droppedTornLine()) {
            LOG.info("recovered the request log: {} request(s) found, {} already done ({} receipt(s) written now), "
                    + "{} queued again{}", log.recovered().size(), finished.size(), rebuilt, queue.size(),
                    log.droppedTornLine() ? "; an incomplete last line (never acknowledged) was dropped" : "");
        }
    }

    /** Starts the worker. */
    void start() {
        worker.start();
    }

    Serving serving() {
        return serving.get();
    }

    /** Requests accepted and not yet done. */
    int depth() {
        synchronized (queueLock) {
            return (int) open.values().stream().filter(t -> t.state != State.FAILED).count();
        }
    }

    int receiptCount() {
        return receipts.count();
    }

    /**
     * Serves {@code model} under {@code mask} from now on: at start-up, before anything else runs
     * (later changes go through {@link #publishCommitted} and {@link #mask}).
     */
    private void publish(LegoNet model, AdapterMask mask) {
        model.observeCommits(stage -> faults.at(FaultInjector.commitPoint(stage)));
        serving.set(new Serving(model, model.info(), mask, maskSeq.incrementAndGet()));
    }

    /**
     * Serves {@code model}, a new commit (its {@code info} computed beforehand), with the mask of
     * the requests still open, in one step. No lock: the snapshot is swapped with compare-and-set,
     * and a forget that masked in between makes the swap fail and be computed again with it, so no
     * mask is ever lost; an accept never waits for a commit, nor a commit for an accept.
     */
    private void publishCommitted(LegoNet model, ModelInfo info) {
        model.observeCommits(stage -> faults.at(FaultInjector.commitPoint(stage)));
        Precomputed pre = precompute(model);
        while (true) {
            Serving s = serving.get();
            if (serving.compareAndSet(s, new Serving(model, info, openMask(model, pre), maskSeq.incrementAndGet()))) {
                break;
            }
        }
        synchronized (servingChanged) {
            servingChanged.notifyAll();
        }
    }

    /**
     * The mask {@code model} must be served with: the adapters holding a sample of a forget request
     * that is open (accepted, not done: queued, running, or failed and waiting for a restart), or
     * being accepted ({@link #masking}). Updates each open request's own adapters.
     */
    private AdapterMask openMask(LegoNet model) {
        return openMask(model, precompute(model));
    }

    /** The mask of the requests open when {@link #precompute} ran, and which those were. */
    private record Precomputed(AdapterMask mask, Set<Tracked> covered) {
    }

    /**
     * The part of {@link #openMask} that takes time (a thousand open requests take milliseconds),
     * once per commit, before the compare-and-set loop: the mask of every forget open now. Updates each
     * one's own adapters.
     */
    private Precomputed precompute(LegoNet model) {
        AdapterMask m = AdapterMask.NONE;
        Set<Tracked> covered = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Tracked t : open.values()) {
            if (!t.request.isAdd() && !t.committed) {
                t.adapters = maskOf(model, t.request, t.adapters);
                m = m.union(t.adapters);
                covered.add(t);
            }
        }
        return new Precomputed(m, covered);
    }

    /** {@link #openMask(LegoNet)} from {@code pre}: adds the requests being accepted and those opened since. */
    private AdapterMask openMask(LegoNet model, Precomputed pre) {
        AdapterMask m = pre.mask();
        for (Masking x : masking) {
            AdapterMask a = x.adapters;
            m = m.union(model.config().cover() > 0 && a != null && a.containsAll(model.adaptersHolding(x.request)) ? a
                    : model.adaptersToMask(x.request));
        }
        for (Tracked t : open.values()) {
            if (!t.request.isAdd() && !t.committed && !pre.covered().contains(t)) {
                t.adapters = maskOf(model, t.request, t.adapters);
                m = m.union(t.adapters);
            }
        }
        return m;
    }

    /**
     * The adapters masked for the open forget {@code r} in {@code model}, which had {@code was}
     * masked for it so far. Without route-hiding cover: the adapters holding its samples now. With
     * cover ({@link LegoNet#adaptersToMask}: its adapters and the cover a forget of it would retrain),
     * the mask a request shows stays as it was while it still holds every adapter with a sample of
     * the request: a new cover drawn at each commit would intersect the old one in exactly the
     * request's own adapters, and every answer names the mask (docs/privacy.md). The commit that
     * carries the request out retrains all of it ({@link #apply(List)}).
     */
    private static AdapterMask maskOf(LegoNet model, LoggedRequest r, AdapterMask was) {
        ForgetRequest request = forgetRequest(r);
        if (model.config().cover() == 0) {
            return model.adaptersHolding(request);
        }
        if (!was.isEmpty() && was.containsAll(model.adaptersHolding(request))) {
            return was;
        }
        return was.union(model.adaptersToMask(request));
    }

    private static ForgetRequest forgetRequest(LoggedRequest r) {
        return r.isClass() ? ForgetRequest.ofClass(r.forgetClass()) : ForgetRequest.ofIds(r.ids());
    }

    /**
     * Waits until the served snapshot is no longer {@code seen} (a commit or a new mask), up to
     * {@code nanos}; returns the snapshot served then.
     */
    Serving awaitChange(Serving seen, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (servingChanged) {
            while (serving.get() == seen && !stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(servingChanged, left);
            }
        }
        return serving.get();
    }

    /** Seconds a client should wait before asking again for an answer a mask withheld. */
    long retryAfterSeconds() {
        return Math.max(1, (long) Math.ceil(lastBatchSeconds));
    }

    // ------------------------------------------------------------------------------------------
    // Accepting

    /**
     * Validates, logs durably and queues a forget of {@code ids} (distinct, ascending) or
     * {@code forgetClass}, and returns its id. Nothing is logged or queued when it fails.
     */
    String acceptForget(long[] ids, Integer forgetClass, long arrival) {
        ForgetRequest toMask = forgetClass == null ? ForgetRequest.ofIds(ids)
                : forgetClass >= 0 ? ForgetRequest.ofClass(forgetClass) : null;
        return accept(arrival, toMask, received -> {
            LegoNet m = serving.get().model();
            if (forgetClass != null) {
                if (forgetClass < 0) {
                    throw new UnknownClassException(forgetClass, m.classes());
                }
                m.check(Edit.forget(ForgetRequest.ofClass(forgetClass)));
                return new LoggedRequest(newRequestId("fr-"), received, null, forgetClass);
            }
            // an id a queued add will add is valid here: that add runs first
            long[] known = LongStream.of(ids).filter(id -> !pendingAdds.containsKey(id)).toArray();
            if (known.length > 0) {
                m.check(Edit.forget(ForgetRequest.ofIds(known)));
            }
            return new LoggedRequest(newRequestId("fr-"), received, ids, null);
        });
    }

    /**
     * Validates, logs durably and queues an add of samples ({@code ids.length} of them, with their
     * labels and raw features row after row), and returns its id. Nothing is logged or queued when
     * it fails.
     *
     * @param readdForgotten whether ids the model forgot earlier may be added again
     */
    String acceptAdd(long[] ids, int[] labels, float[] features, boolean readdForgotten, long arrival) {
        return accept(arrival, null, received -> {
            Serving s = serving.get();
            s.model().check(Edit.add(samples(s, ids, labels, features)).withReaddForgotten(readdForgotten));
            List<Long> queued = new ArrayList<>();
            Set<String> by = new java.util.TreeSet<>();
            for (long id : ids) {
                String r = pendingAdds.get(id);
                if (r != null) {
                    queued.add(id);
                    by.add(r);
                }
            }
            if (!queued.isEmpty()) {
                queued.sort(null);
                throw new ApiError(409, "id_conflict", "sample id" + (queued.size() == 1 ? " " : "s ") + list(queued)
                        + (queued.size() == 1 ? " is" : " are") + " being added already by request"
                        + (by.size() == 1 ? " " : "s ") + String.join(", ", by) + "; nothing was queued");
            }
            return LoggedRequest.add(newRequestId("ar-"), received, ids, labels, features, readdForgotten);
        });
    }

    /** {@code ids.length} samples as a data set of the model's sample shape. */
    private static Dataset samples(Serving s, long[] ids, int[] labels, float[] features) {
        int[] shape = s.info().sampleShape();
        return new Dataset("samples to add", ids, labels, features, shape == null ? new int[] {s.model().inputDim()}
                : shape);
    }

    /** A forget whose adapters are masked while it is being accepted (before it is open). */
    private static final class Masking {
        final ForgetRequest request;
        /** Set once its mask is in the served snapshot; read by a commit meanwhile ({@link #openMask}). */
        volatile AdapterMask adapters;
        String time;
        double ms;

        Masking(ForgetRequest request) {
            this.request = request;
        }
    }

    /**
     * Masks the adapters holding a sample {@code request} names, in the served snapshot, at once:
     * before the request is validated or logged, and without a lock, so that nothing the accept
     * lock waits for (another request's fsync, a log compaction) and no other request delays the
     * mask. The request stays in {@link #masking} until it is open, so that a commit meanwhile keeps
     * its mask; a request then refused keeps its adapters masked only until the next commit, which
     * is safe (answers come from fewer adapters).
     */
    private Masking mask(ForgetRequest request, long arrival) {
        Masking m = new Masking(request);
        masking.add(m);
        while (true) {
            Serving s = serving.get();
            AdapterMask adapters = s.model().adaptersToMask(request);
            if (s.mask().containsAll(adapters) || serving.compareAndSet(s, new Serving(s.model(), s.info(),
                    s.mask().union(adapters), maskSeq.incrementAndGet()))) {
                m.adapters = adapters;
                break;
            }
        }
        m.ms = (System.nanoTime() - arrival) / 1e6;
        m.time = now();
        metrics.requestToMasked.record((long) (m.ms * 1e6), TimeUnit.NANOSECONDS);
        return m;
    }

    /**
     * Accepts a request that arrived at {@code arrival} ({@link System#nanoTime()}). A forget
     * ({@code toMask}) first has its adapters masked ({@link #mask}). Then, under the accept lock,
     * so that validation sees every request accepted before: {@code validated} checks the request
     * and returns its log line (given the arrival time as text), and the line is written. Then,
     * outside the lock, the request waits for an fsync covering its line (group commit) and is
     * handed to the worker in log order. Returns once the request is durable: the caller then
     * answers 202. Nothing is queued when it fails.
     */
    private String accept(long arrival, ForgetRequest toMask,
                          java.util.function.Function<String, LoggedRequest> validated) {
        if (stopping) {
            throw new ApiError(503, "shutting_down", "the service is stopping; send the request again after it restarts");
        }
        Masking masked = toMask == null ? null : mask(toMask, arrival);
        faults.at(FaultInjector.ACCEPT_MASKED);
        Tracked t;
        try {
            synchronized (acceptLock) {
                if (stopping) {
                    throw new ApiError(503, "shutting_down", "the service is stopping; send the request again after it "
                            + "restarts");
                }
                LoggedRequest r;
                try {
                    r = validated.apply(instantOf(arrival));
                } catch (LegoNetException e) {
                    throw refused(e);
                }
                faults.at(FaultInjector.ACCEPT_VALIDATED);
                if (masked == null) {
                    t = new Tracked(r, arrival);
                } else {
                    t = new Tracked(r.withMasked(masked.time), arrival);
                    t.adapters = masked.adapters;
                    t.maskedMs = masked.ms;
                }
                try {
                    t.walPosition = log.write(t.request);
                } catch (IOException e) {
                    LOG.error("cannot write the request log: {}", e.toString());
                    log.forget(t.request.requestId());
                    throw new ApiError(500, "log_write_failed", "the request could not be written durably and was not "
                            + "accepted: " + e.getMessage());
                }
                if (t.request.isAdd()) {
                    for (long id : t.request.ids()) {
                        pendingAdds.put(id, t.request.requestId());
                    }
                }
                open.put(t.request.requestId(), t);
                synchronized (queueLock) {
                    undurable.add(t);
                }
            }
        } finally {
            if (masked != null) {
                masking.remove(masked);
            }
        }
        String id = t.request.requestId();
        try {
            release(log.sync(t.walPosition));
        } catch (IOException e) {
            LOG.error("cannot force the request log to disk: {}", e.toString());
            synchronized (acceptLock) {
                log.forget(id);
                open.remove(id);
                pendingAdds.values().removeIf(id::equals);
                synchronized (queueLock) {
                    undurable.remove(t);
                }
            }
            throw new ApiError(500, "log_write_failed", "the request could not be written durably and was not "
                    + "accepted: " + e.getMessage());
        }
        faults.at(FaultInjector.WAL_SYNCED);
        t.acknowledgedMs = t.since(System.nanoTime());
        metrics.requestToAcknowledged.record((long) (t.acknowledgedMs * 1e6), TimeUnit.NANOSECONDS);
        (t.request.isAdd() ? metrics.addAccepted : metrics.forgetAccepted).increment();
        LOG.info("accepted {} request {} ({})", t.request.isAdd() ? "add" : "forget", id, t.request.describe());
        return id;
    }

    /** Hands the requests now durable (log positions up to {@code durable}) to the worker, in log order. */
    private void release(long durable) {
        synchronized (queueLock) {
            boolean any = false;
            while (!undurable.isEmpty() && undurable.peek().walPosition <= durable) {
                queue.add(undurable.poll());
                any = true;
            }
            if (any) {
                queueLock.notifyAll();
            }
        }
    }

    /** The wall-clock time of {@code nanoTime} (ISO-8601, milliseconds). */
    private static String instantOf(long nanoTime) {
        Instant at = Instant.now().minusNanos(Math.max(0, System.nanoTime() - nanoTime));
        return at.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /**
     * The answer to a request the model refused: the status and code of {@link ApiError#of} (ids or a
     * class the model does not hold 422, ids that conflict 409, other bad input 400), with the
     * model's reason, saying that nothing was queued.
     */
    private static ApiError refused(LegoNetException e) {
        ApiError a = ApiError.of(e);
        return new ApiError(a.status(), a.code(),
                a.getMessage().replaceFirst("; nothing was (changed|added)$", "") + "; nothing was queued");
    }

    private static String list(List<Long> ids) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(ids.size(), 10); i++) {
            b.append(i == 0 ? "" : ", ").append(ids.get(i));
        }
        if (ids.size() > 10) {
            b.append(", ... (").append(ids.size()).append(" in all)");
        }
        return b.toString();
    }

    private static String newRequestId(String prefix) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    // ------------------------------------------------------------------------------------------
    // Status

    /** Where {@code requestId} stands, or null when the service never accepted it. */
    Status status(String requestId) {
        Tracked t = open.get(requestId);
        if (t != null) {
            return new Status(requestId, t.request.isAdd(), t.state, t.request.received(), t.request.masked(),
                    t.request.isAdd() ? null : t.adapters, null, t.error,
                    new Timings(t.maskedMs, t.acknowledgedMs, Double.NaN, -1, null));
        }
        Receipt r = receipts.get(requestId);
        if (r == null) {
            return null;
        }
        Timings timings;
        synchronized (finishedTimings) {
            timings = finishedTimings.get(requestId);
        }
        return new Status(requestId, "add".equals(r.kind()), State.DONE, r.received(), r.masked(),
                timings == null ? null : timings.adapters(), r, null, timings);
    }

    /** {@link #status}, after waiting up to {@code wait} for the request to finish. */
    Status await(String requestId, Duration wait) {
        Tracked t = open.get(requestId);
        if (t != null && !wait.isZero()) {
            try {
                t.finished.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still queued or running: report that
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        return status(requestId);
    }

    // ------------------------------------------------------------------------------------------
    // The worker

    private void work() {
        while (true) {
            List<Tracked> batch;
            synchronized (queueLock) {
                while (queue.isEmpty() && !stopping) {
                    try {
                        queueLock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                batch = takeBatch();
            }
            faults.at(FaultInjector.BATCH_TAKEN);
            run(batch);
        }
    }

    /**
     * The next batch, in queue order: a class forget alone, or else the queued requests up to the
     * next class forget, cut before an add that names an id a forget earlier in the batch names.
     * One batch is one {@link Edit} that adds first and forgets second; that equals carrying the
     * requests out in queue order exactly when no add follows a forget of one of its ids (a forget
     * of an id added earlier in the batch is fine: it is forgotten after it is added).
     */
    private List<Tracked> takeBatch() {
        List<Tracked> batch = new ArrayList<>();
        batch.add(queue.poll());
        if (!batch.get(0).request.isClass()) {
            Set<Long> forgotten = new HashSet<>();
            note(batch.get(0).request, forgotten);
            while (!queue.isEmpty() && !queue.peek().request.isClass() && !addsAny(queue.peek().request, forgotten)) {
                Tracked t = queue.poll();
                note(t.request, forgotten);
                batch.add(t);
            }
        }
        for (Tracked t : batch) {
            t.state = State.RUNNING;
        }
        batchStarted = System.nanoTime();
        return batch;
    }

    private static void note(LoggedRequest r, Set<Long> forgotten) {
        if (!r.isAdd()) {
            for (long id : r.ids()) {
                forgotten.add(id);
            }
        }
    }

    private static boolean addsAny(LoggedRequest r, Set<Long> forgotten) {
        return r.isAdd() && !forgotten.isEmpty() && LongStream.of(r.ids()).anyMatch(forgotten::contains);
    }

    private void run(List<Tracked> batch) {
        long t0 = System.nanoTime();
        ChangeRecord rec;
        try {
            rec = apply(batch);
        } catch (RuntimeException e) {
            if (batch.size() > 1) {
                LOG.warn("a batch of {} requests failed ({}); running them one by one", batch.size(), e.toString());
                for (Tracked t : batch) {
                    run(List.of(t));
                }
            } else {
                fail(batch, e, "it stays in the request log and is retried when the service restarts");
            }
            return;
        }
        try {
            finish(batch, rec, t0);
        } catch (IOException | RuntimeException e) {
            // applied (and committed, if anything changed), but not receipted: never run it again here
            fail(batch, e, "it was carried out; its receipt is written when the service restarts");
        }
    }

    private void fail(List<Tracked> batch, Exception e, String what) {
        for (Tracked t : batch) {
            t.error = (e.getMessage() == null ? e.toString() : e.getMessage()) + " (" + what + ")";
            t.state = State.FAILED;
            t.finished.complete(null);
            (t.request.isAdd() ? metrics.addFailed : metrics.forgetFailed).increment();
            LOG.error("{} request {} failed; {}: {}", t.request.isAdd() ? "add" : "forget", t.request.requestId(), what,
                    e.toString(), e);
        }
    }

    /**
     * Carries out {@code batch} with one retraining and one commit that names its requests.
     * Returns the committed record, or null when nothing needed to change.
     */
    private ChangeRecord apply(List<Tracked> batch) {
        List<String> ids = batch.stream().map(t -> t.request.requestId()).toList();
        LegoNet current = serving.get().model();
        // with route-hiding cover, the commit retrains every adapter masked for its forgets, so that
        // the set it reports holds each request's mask (which answers named) and not less
        AdapterMask masked = AdapterMask.NONE;
        if (current.config().cover() > 0) {
            for (Tracked t : batch) {
                if (!t.request.isAdd()) {
                    masked = masked.union(t.adapters);
                }
            }
        }
        LegoNet.Update update = current.apply(merge(batch, serving.get()), ids, false, masked);
        if (!update.report().changed()) {
            metrics.batchRequests.record(batch.size());
            committed(batch, null);
            return null;
        }
        LegoNet next;
        ChangeRecord rec;
        UpdateReport report = null;
        try {
            next = update.commit();
            report = next.lastUpdate();
            rec = report.committed();
        } catch (RuntimeException e) {
            next = reopen(e);
            rec = recordNaming(next.history(), ids);
            if (rec == null) {
                throw e;
            }
            LOG.warn("the commit of {} request(s) went through, then failed: {}", ids.size(), e.toString());
        }
        synchronized (acceptLock) {
            for (Tracked t : batch) {
                t.committed = true;
                if (t.request.isAdd()) {
                    for (long id : t.request.ids()) {
                        pendingAdds.remove(id, t.request.requestId());
                    }
                }
            }
        }
        // one step: the new model, and the mask of the requests still open (the batch's masks lift)
        publishCommitted(next, next.info());
        committed(batch, next);
        metrics.commits.increment();
        metrics.samplesForgotten.increment(rec.forgotten());
        metrics.samplesAdded.increment(rec.addedCount());
        metrics.adaptersRetrained.increment(rec.adaptersRetrained().size());
        if (report != null) {
            metrics.retrain.record(Duration.ofNanos((long) (report.trainSeconds() * 1e9)));
            metrics.commit.record(Duration.ofNanos((long) (report.storeSeconds() * 1e9)));
        }
        metrics.batchRequests.record(batch.size());
        return rec;
    }

    /**
     * After a commit failed: whether it switched the directory or not, the session that tried can
     * no longer be trusted (its view may lag the directory). Closes it and opens the directory
     * again, which also removes what the failed commit left behind, and serves what it holds.
     * Throws (the batch then fails and stays logged) when the directory cannot be opened.
     */
    private LegoNet reopen(RuntimeException cause) {
        LOG.error("a commit failed ({}); opening {} again to see whether it went through", cause.toString(), dir);
        serving.get().model().close();
        LegoNet fresh;
        try {
            fresh = LegoNet.openForUpdate(dir, options);
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            LOG.error("cannot open {} again; the service cannot apply requests until it restarts", dir, e);
            throw e;
        }
        publishCommitted(fresh, fresh.info());
        return fresh;
    }

    /** Records when {@code batch} was committed (as {@code next}; null: nothing needed to change). */
    private void committed(List<Tracked> batch, LegoNet next) {
        long now = System.nanoTime();
        lastBatchSeconds = (now - batchStarted) / 1e9;
        for (Tracked t : batch) {
            t.committed = true;
            t.committedMs = t.since(now);
            t.committedGeneration = next == null ? -1 : next.generation();
            if (t.arrival != 0) {
                metrics.requestToCommitted.record(now - t.arrival, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** The committed record that names every one of {@code requestIds}, or null. */
    private static ChangeRecord recordNaming(List<ChangeRecord> history, List<String> requestIds) {
        for (int i = history.size() - 1; i >= 0; i--) {
            ChangeRecord r = history.get(i);
            if (r.requests() != null && r.requests().containsAll(requestIds)) {
                return r;
            }
        }
        return null;
    }

    /** Receipts for an applied batch, then its lines leave the request log. */
    private void finish(List<Tracked> batch, ChangeRecord rec, long t0) throws IOException {
        List<String> ids = batch.stream().map(t -> t.request.requestId()).toList();
        for (Tracked t : batch) {
            receipts.append(receiptFor(t.request, rec));
            faults.at(FaultInjector.RECEIPT_WRITTEN);
        }
        synchronized (acceptLock) {
            try {
                log.remove(ids);
            } catch (IOException e) {
                // the requests are done and receipted; their lines go with the next compaction
                LOG.error("cannot compact the request log: {}", e.toString());
            }
        }
        int adds = 0;
        for (Tracked t : batch) {
            synchronized (finishedTimings) {
                finishedTimings.put(t.request.requestId(), new Timings(t.maskedMs, t.acknowledgedMs, t.committedMs,
                        t.committedGeneration, t.request.isAdd() ? null : t.adapters));
            }
            t.state = State.DONE;
            open.remove(t.request.requestId());
            t.finished.complete(null);
            adds += t.request.isAdd() ? 1 : 0;
        }
        metrics.forgetDone.increment(batch.size() - adds);
        metrics.addDone.increment(adds);
        int added = batch.stream().filter(t -> t.request.isAdd()).mapToInt(t -> t.request.ids().length).sum();
        LOG.info("{} request{} done: {} sample{} erased, {} added, {} adapter{} retrained, {} in {} s{}",
                batch.size(), batch.size() == 1 ? "" : "s", rec == null ? 0 : rec.forgotten(),
                rec == null || rec.forgotten() != 1 ? "s" : "", added,
                rec == null ? 0 : rec.adaptersRetrained().size(),
                rec == null || rec.adaptersRetrained().size() != 1 ? "s" : "",
                rec == null ? "nothing to change" : "model " + rec.digestAfter().substring(0, 16),
                String.format(Locale.ROOT, "%.3f", (System.nanoTime() - t0) / 1e9),
                rec == null ? "" : " (commit " + rec.seq() + ")");
    }

    /**
     * The one edit a batch amounts to: the samples of its adds, in queue order, then the union of
     * its forgets' ids, or its one class.
     */
    private static Edit merge(List<Tracked> batch, Serving s) {
        if (batch.size() == 1 && batch.get(0).request.isClass()) {
            return Edit.forget(ForgetRequest.ofClass(batch.get(0).request.forgetClass()));
        }
        List<LoggedRequest> adds = batch.stream().map(t -> t.request).filter(LoggedRequest::isAdd).toList();
        long[] forget = batch.stream().map(t -> t.request).filter(r -> !r.isAdd())
                .flatMapToLong(r -> LongStream.of(r.ids())).toArray();
        Dataset add = null;
        boolean readd = false;
        if (!adds.isEmpty()) {
            long[] ids = adds.stream().flatMapToLong(r -> LongStream.of(r.ids())).toArray();
            int[] labels = new int[ids.length];
            float[][] rows = new float[adds.size()][];
            int n = 0;
            long values = 0;
            for (int i = 0; i < adds.size(); i++) {
                LoggedRequest r = adds.get(i);
                System.arraycopy(r.labels(), 0, labels, n, r.labels().length);
                n += r.labels().length;
                rows[i] = r.featureValues();
                values += rows[i].length;
                readd |= r.readd();
            }
            float[] x = new float[Math.toIntExact(values)];
            int at = 0;
            for (float[] v : rows) {
                System.arraycopy(v, 0, x, at, v.length);
                at += v.length;
            }
            add = samples(s, ids, labels, x);
        }
        return new Edit(add, forget.length == 0 ? null : ForgetRequest.ofIds(forget), readd);
    }

    /**
     * The receipt of {@code r} carried out by the commit {@code rec} (null: nothing needed to
     * change). A pure function of the log line and the record, so that recovery writes the very
     * receipt the interrupted run would have.
     */
    private Receipt receiptFor(LoggedRequest r, ChangeRecord rec) {
        LegoNet model = serving.get().model();
        String digest = model.digest();
        List<String> hashes = null;
        int forgottenHere = 0;
        int already = 0;
        Integer added = null;
        String kind;
        if (r.isAdd()) {
            kind = "add";
            hashes = new ArrayList<>();
            for (long id : LongStream.of(r.ids()).sorted().toArray()) {
                hashes.add(model.idHash(id));
            }
            added = r.ids().length;
        } else if (r.isClass()) {
            kind = "class";
            forgottenHere = rec == null ? 0 : rec.forgotten();
        } else {
            kind = "ids";
            hashes = new ArrayList<>();
            Set<String> erased = rec == null ? Set.of() : new HashSet<>(rec.idHashes());
            for (long id : r.ids()) {
                String h = model.idHash(id);
                hashes.add(h);
                if (erased.contains(h)) {
                    forgottenHere++;
                } else {
                    already++;
                }
            }
        }
        return new Receipt(0, r.requestId(), kind, r.forgetClass(), hashes, forgottenHere, already, added,
                rec == null ? null : rec.seq(), rec == null ? null : rec.requests().size(),
                rec == null ? List.of() : rec.adaptersRetrained(), rec == null ? digest : rec.digestBefore(),
                rec == null ? digest : rec.digestAfter(), r.received(), r.masked(), rec == null ? now() : rec.time(),
                null, null);
    }

    /** Counts retrained adapters for the fault points (the commit reports its own steps). */
    private static final class RetrainProgress implements Progress {
        private final FaultInjector faults;

        RetrainProgress(FaultInjector faults) {
            this.faults = faults;
        }

        @Override
        public void start(String task, long total) {
        }

        @Override
        public void step(long amount) {
            faults.at(FaultInjector.RETRAIN_ADAPTER);
        }

        @Override
        public void finish() {
        }
    }

    /**
     * Stops taking new requests, lets the worker finish the batch it is on (waiting up to
     * {@code grace}), and closes the logs. Requests still queued stay in the request log and run at
     * the next start.
     */
    void stop(Duration grace) {
        synchronized (acceptLock) {
            stopping = true;
        }
        synchronized (queueLock) {
            queueLock.notifyAll();
        }
        if (worker.isAlive()) {
            try {
                worker.join(grace.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int left = depth();
        if (worker.isAlive()) {
            LOG.warn("the worker did not finish within {} s; its batch stays in the request log and runs at "
                    + "the next start", grace.toSeconds());
        } else if (left > 0) {
            LOG.info("{} request{} stay{} in the request log and run at the next start", left,
                    left == 1 ? "" : "s", left == 1 ? "s" : "");
        }
        serving.get().model().observeCommits(CommitObserver.NONE);
    }

    boolean workerAlive() {
        return worker.isAlive();
    }

    /**
     * Stops (see {@link #stop}) and, once the worker has stopped, closes the logs and the model,
     * releasing the directory's writer lock. A worker still running keeps them open, and the
     * directory locked.
     */
    @Override
    public void close() {
        stop(Duration.ofSeconds(60));
        if (!worker.isAlive()) {
            log.close();
            receipts.close();
            serving.get().model().close();
        }
    }

    static long[] distinctSorted(long[] ids) {
        return Arrays.stream(ids).sorted().distinct().toArray();
    }
}
