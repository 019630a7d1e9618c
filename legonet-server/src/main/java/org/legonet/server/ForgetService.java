package org.legonet.server;

import org.legonet.core.StoreException;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.CommitObserver;
import org.legonet.core.ChangeRecord;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.UpdateReport;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.util.Digests;
import org.legonet.core.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable, exactly-once forget requests on a model store held for writing.
 *
 * <p>The protocol: a request is validated, appended to the {@link RequestLog} and forced to disk,
 * and only then acknowledged. One worker thread takes every queued request at once (a class
 * request goes alone), unites their ids, retrains each affected adapter once, and commits with one
 * atomic manifest switch whose deletion record names the requests (the commit point). Then each
 * request gets a {@link Receipt}, and its plaintext ids leave the log. After a crash, start-up
 * replays the log: a request named by a committed deletion record was applied (only its receipt may
 * be missing, and is rebuilt from the record, identically); any other is run again. So no
 * acknowledged request is lost and none is applied twice.
 *
 * <p>Predictions read an immutable {@link Serving} snapshot that is replaced right after each
 * commit: a reader sees the old model or the new one, never a mixture.
 */
final class ForgetService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("legonet.server");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a request is doing. */
    enum State { QUEUED, RUNNING, DONE, FAILED }

    /** What predictions and model queries read: replaced as a whole after each commit. */
    record Serving(LegoNetModel model, PrivateSet data, Manifest manifest) {
    }

    /** Where a request stands, as {@code GET /v1/forget/{id}} reports it. */
    record Status(String requestId, State state, String received, Receipt receipt, String error) {
    }

    private static final class Tracked {
        final LoggedRequest request;
        volatile State state = State.QUEUED;
        volatile String error;
        final CompletableFuture<Void> finished = new CompletableFuture<>();

        Tracked(LoggedRequest request) {
            this.request = request;
        }
    }

    private final ModelStore store;
    private final String salt;
    private final RequestLog log;
    private final ReceiptLog receipts;
    private final FaultInjector faults;
    private final ServerMetrics metrics;
    private final Unlearner unlearner;
    private final AtomicReference<Serving> serving = new AtomicReference<>();
    /** Salted hashes of every id forgotten so far: such ids are valid (a no-op) in a new request. */
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    /** Serialises appends to the request log with the queue, so both keep one order. */
    private final Object acceptLock = new Object();
    /** Guards the queue. */
    private final Object queueLock = new Object();
    private final ArrayDeque<Tracked> queue = new ArrayDeque<>();
    /** Requests not done: queued, running or failed. Done ones are found by their receipts. */
    private final Map<String, Tracked> open = new ConcurrentHashMap<>();
    private final Thread worker;
    private volatile boolean stopping;

    private ForgetService(ModelStore store, RequestLog log, ReceiptLog receipts, ServerConfig config,
                          ServerMetrics metrics) {
        this.store = store;
        this.salt = store.manifest().deletions().salt();
        this.log = log;
        this.receipts = receipts;
        this.faults = config.faults();
        this.metrics = metrics;
        this.unlearner = new Unlearner(store, config.threads(), new RetrainProgress());
        store.observeCommits(stage -> faults.at(FaultInjector.commitPoint(stage)));
        this.worker = new Thread(this::work, "legonet-forget-worker");
        publish();
    }

    /**
     * Opens the request log and the receipts of {@code store} (held for writing) and recovers what
     * a crash left: missing receipts of committed requests are written, finished requests leave the
     * log, and the rest are queued again. The worker starts with {@link #start()}.
     */
    static ForgetService open(ModelStore store, ServerConfig config, ServerMetrics metrics) {
        ReceiptLog receipts = ReceiptLog.open(store.dir());
        RequestLog log;
        try {
            log = RequestLog.open(store.dir(), config.faults());
        } catch (RuntimeException e) {
            receipts.close();
            throw e;
        }
        ForgetService s = new ForgetService(store, log, receipts, config, metrics);
        try {
            s.recover();
        } catch (IOException | RuntimeException e) {
            s.log.close();
            s.receipts.close();
            throw e instanceof RuntimeException re ? re
                    : new org.legonet.core.StoreException("cannot recover the forget requests of " + store.dir()
                    + ": " + e.getMessage(), e);
        }
        metrics.gauges(s::depth, () -> s.serving().manifest().generation());
        return s;
    }

    private void recover() throws IOException {
        Map<String, ChangeRecord> committed = new HashMap<>();
        for (ChangeRecord r : store.deletions()) {
            if (r.idHashes() != null) {
                forgotten.addAll(r.idHashes());
            }
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
                Tracked t = new Tracked(r);
                open.put(r.requestId(), t);
                queue.add(t);
            }
        }
        log.remove(finished);
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

    private void publish() {
        serving.set(new Serving(store.model(), store.data(), store.manifest()));
    }

    // ------------------------------------------------------------------------------------------
    // Accepting

    /**
     * Validates, logs durably and queues a request for {@code ids} (distinct, ascending) or
     * {@code forgetClass}, and returns its id. Nothing is logged or queued when it fails.
     */
    String accept(long[] ids, Integer forgetClass) {
        Serving s = serving.get();
        if (forgetClass != null) {
            if (forgetClass < 0 || forgetClass >= s.model().classes()) {
                throw new ApiError(422, "unknown_class", "class " + forgetClass + " is not in the model's label set 0.."
                        + (s.model().classes() - 1) + "; nothing was queued");
            }
        } else {
            List<Long> unknown = new ArrayList<>();
            for (long id : ids) {
                if (s.data().rowOf(id) < 0 && !forgotten.contains(ModelStore.hashId(salt, id))) {
                    unknown.add(id);
                }
            }
            if (!unknown.isEmpty()) {
                throw new ApiError(422, "unknown_ids", unknownIds(unknown));
            }
        }
        faults.at(FaultInjector.ACCEPT_VALIDATED);
        LoggedRequest r = new LoggedRequest(newRequestId(), now(), forgetClass == null ? ids : null, forgetClass);
        Tracked t = new Tracked(r);
        synchronized (acceptLock) {
            if (stopping) {
                throw new ApiError(503, "shutting_down", "the service is stopping; send the request again after it restarts");
            }
            try {
                log.append(r);
            } catch (IOException e) {
                LOG.error("cannot write the request log: {}", e.toString());
                throw new ApiError(500, "log_write_failed", "the request could not be written durably and was not "
                        + "accepted: " + e.getMessage());
            }
            faults.at(FaultInjector.WAL_SYNCED);
            synchronized (queueLock) {
                open.put(r.requestId(), t);
                queue.add(t);
                queueLock.notifyAll();
            }
        }
        metrics.forgetAccepted.increment();
        LOG.info("accepted forget request {} ({})", r.requestId(), r.describe());
        return r.requestId();
    }

    private static String unknownIds(List<Long> ids) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(ids.size(), 10); i++) {
            b.append(i == 0 ? "" : ", ").append(ids.get(i));
        }
        if (ids.size() > 10) {
            b.append(", ... (").append(ids.size()).append(" in all)");
        }
        return "unknown sample id" + (ids.size() == 1 ? " " : "s ") + b + ": not a private sample of this model "
                + "(public samples and ids outside the training data cannot be forgotten); nothing was queued";
    }

    private static String newRequestId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "fr-" + Digests.hex(b);
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
            return new Status(requestId, t.state, t.request.received(), null, t.error);
        }
        Receipt r = receipts.get(requestId);
        return r == null ? null : new Status(requestId, State.DONE, r.received(), r, null);
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

    /** Every queued id request up to the next class request, or one class request alone. */
    private List<Tracked> takeBatch() {
        List<Tracked> batch = new ArrayList<>();
        batch.add(queue.poll());
        if (!batch.get(0).request.isClass()) {
            while (!queue.isEmpty() && !queue.peek().request.isClass()) {
                batch.add(queue.poll());
            }
        }
        for (Tracked t : batch) {
            t.state = State.RUNNING;
        }
        return batch;
    }

    private void run(List<Tracked> batch) {
        long t0 = System.nanoTime();
        ChangeRecord rec;
        try {
            rec = apply(batch);
        } catch (RuntimeException e) {
            if (batch.size() > 1) {
                LOG.warn("a batch of {} forget requests failed ({}); running them one by one", batch.size(), e.toString());
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
            metrics.forgetFailed.increment();
            LOG.error("forget request {} failed; {}: {}", t.request.requestId(), what, e.toString(), e);
        }
    }

    /**
     * Forgets what {@code batch} asks in one retraining and one commit that names its requests.
     * Returns the committed deletion record, or null when nothing needed to change.
     */
    private ChangeRecord apply(List<Tracked> batch) {
        List<String> ids = batch.stream().map(t -> t.request.requestId()).toList();
        int before = store.manifest().deletions().requests();
        ChangeRecord rec;
        UpdateReport report = null;
        try {
            report = unlearner.forget(merge(batch), ids);
            rec = report.committed();
        } catch (RuntimeException e) {
            rec = committedDespite(before, ids);
            if (rec == null) {
                throw e;
            }
            LOG.warn("the commit of {} request(s) succeeded but then failed to clean up: {}", ids.size(), e.toString());
        }
        if (rec != null) {
            publish();
            forgotten.addAll(rec.idHashes());
            metrics.commits.increment();
            metrics.samplesForgotten.increment(rec.forgotten());
            metrics.adaptersRetrained.increment(rec.adaptersRetrained().size());
            if (report != null) {
                metrics.retrain.record(Duration.ofNanos((long) (report.trainSeconds() * 1e9)));
                metrics.commit.record(Duration.ofNanos((long) (report.storeSeconds() * 1e9)));
            }
        }
        metrics.batchRequests.record(batch.size());
        return rec;
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
        for (Tracked t : batch) {
            t.state = State.DONE;
            open.remove(t.request.requestId());
            t.finished.complete(null);
        }
        metrics.forgetDone.increment(batch.size());
        LOG.info("{} forget request{} done: {} sample{} erased, {} adapter{} retrained, {} in {} s{}",
                batch.size(), batch.size() == 1 ? "" : "s", rec == null ? 0 : rec.forgotten(),
                rec == null || rec.forgotten() != 1 ? "s" : "",
                rec == null ? 0 : rec.adaptersRetrained().size(),
                rec == null || rec.adaptersRetrained().size() != 1 ? "s" : "",
                rec == null ? "nothing to change" : "model " + rec.digestAfter().substring(0, 16),
                String.format(java.util.Locale.ROOT, "%.3f", (System.nanoTime() - t0) / 1e9),
                rec == null ? "" : " (commit " + rec.seq() + ")");
    }

    /** The one request a batch amounts to: the union of its ids, or its one class. */
    private static ForgetRequest merge(List<Tracked> batch) {
        if (batch.size() == 1 && batch.get(0).request.isClass()) {
            return ForgetRequest.ofClass(batch.get(0).request.forgetClass());
        }
        return ForgetRequest.ofIds(batch.stream().flatMapToLong(t -> LongStream.of(t.request.ids())).toArray());
    }

    /** The deletion record naming {@code ids} if a commit went through before an exception, else null. */
    private ChangeRecord committedDespite(int before, List<String> ids) {
        if (store.manifest().deletions().requests() <= before) {
            return null;
        }
        List<ChangeRecord> all = store.deletions();
        ChangeRecord last = all.get(all.size() - 1);
        return last.requests() != null && last.requests().containsAll(ids) ? last : null;
    }

    /**
     * The receipt of {@code r} carried out by the commit {@code rec} (null: nothing needed to
     * change). A pure function of the log line and the deletion record, so that recovery writes
     * the very receipt the interrupted run would have.
     */
    private Receipt receiptFor(LoggedRequest r, ChangeRecord rec) {
        String digest = store.model().digest();
        List<String> hashes = null;
        int forgottenHere;
        int already = 0;
        if (r.isClass()) {
            forgottenHere = rec == null ? 0 : rec.forgotten();
        } else {
            hashes = new ArrayList<>();
            Set<String> erased = rec == null ? Set.of() : new HashSet<>(rec.idHashes());
            forgottenHere = 0;
            for (long id : r.ids()) {
                String h = ModelStore.hashId(salt, id);
                hashes.add(h);
                if (erased.contains(h)) {
                    forgottenHere++;
                } else {
                    already++;
                }
            }
        }
        return new Receipt(0, r.requestId(), r.isClass() ? "class" : "ids", r.forgetClass(), hashes, forgottenHere,
                already, rec == null ? null : rec.seq(), rec == null ? null : rec.requests().size(),
                rec == null ? List.of() : rec.adaptersRetrained(), rec == null ? digest : rec.digestBefore(),
                rec == null ? digest : rec.digestAfter(), r.received(), rec == null ? now() : rec.time(), null, null);
    }

    /** Counts retrained adapters for the fault points (the store commit reports its own steps). */
    private final class RetrainProgress implements Progress {
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
            LOG.warn("the forget worker did not finish within {} s; its batch stays in the request log and runs at "
                    + "the next start", grace.toSeconds());
        } else if (left > 0) {
            LOG.info("{} forget request{} stay{} in the request log and run at the next start", left,
                    left == 1 ? "" : "s", left == 1 ? "s" : "");
        }
        store.observeCommits(CommitObserver.NONE);
    }

    boolean workerAlive() {
        return worker.isAlive();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(60));
        if (!worker.isAlive()) {
            log.close();
            receipts.close();
        }
    }

    static long[] distinctSorted(long[] ids) {
        return Arrays.stream(ids).sorted().distinct().toArray();
    }
}
