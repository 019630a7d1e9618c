package org.legonet.server;

import org.legonet.core.CommitObserver;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only fault injection: the service calls {@link #at} at each named point of its durability
 * protocol (accepting, logging, retraining, committing, writing receipts, compacting the log). The
 * real service uses {@link #NONE}; crash tests arm one point so that the process stops there and
 * can be killed with SIGKILL at a known step.
 */
@FunctionalInterface
public interface FaultInjector {
    /** A request (a forget or an add) is valid; nothing is written yet. */
    String ACCEPT_VALIDATED = "accept.validated";
    /** A forget is valid and its adapters are masked in the served snapshot; nothing is written yet. */
    String ACCEPT_MASKED = "accept.masked";
    /** The request's log line is written but not forced to disk (the fsync that covers it is about to run). */
    String WAL_WRITTEN = "wal.written";
    /** The request's log line is on disk; the 202 is not sent yet. */
    String WAL_SYNCED = "wal.synced";
    /** The worker has taken a batch; nothing is computed yet. */
    String BATCH_TAKEN = "worker.batch-taken";
    /** One more adapter of a batch is retrained (in memory). */
    String RETRAIN_ADAPTER = "retrain.adapter";
    /** Prefix of the commit steps: {@code commit.started}, {@code commit.chunks-written}, ... */
    String COMMIT = "commit.";
    /** One receipt of a batch is appended and forced to disk. */
    String RECEIPT_WRITTEN = "receipt.written";
    /** The compacted request log is written to its temporary file, not yet renamed. */
    String WAL_COMPACT_WRITTEN = "wal.compact-written";
    /** The compacted request log has replaced the old one. */
    String WAL_COMPACTED = "wal.compacted";
    /** Start-up recovery has masked every logged forget not yet committed; nothing is served yet. */
    String RECOVERY_MASKED = "recovery.masked";
    /** Start-up recovery has written one missing receipt. */
    String RECOVERY_RECEIPT = "recovery.receipt";

    /** The system property that arms a point: {@code POINT:N} stops at the N-th time POINT is reached. */
    String PROPERTY = "legonet.fault";
    /** What an armed point prints on stdout when it stops the process. */
    String MARKER = "LEGONET-FAULT ";

    /** Injects nothing. */
    FaultInjector NONE = point -> { };

    /** Called at each named point. */
    void at(String point);

    /** The name of a commit step as a fault point, e.g. {@code commit.manifest-switched}. */
    static String commitPoint(CommitObserver.Stage stage) {
        return COMMIT + stage.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * {@link #NONE}, unless the system property {@value #PROPERTY} names {@code POINT:N}: then the
     * N-th arrival at POINT prints {@code LEGONET-FAULT POINT#N} on {@code out} and blocks that
     * thread for good (a test then kills the process).
     */
    static FaultInjector fromSystemProperty(PrintStream out) {
        String spec = System.getProperty(PROPERTY);
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        int colon = spec.lastIndexOf(':');
        String point = colon < 0 ? spec : spec.substring(0, colon);
        int n = colon < 0 ? 1 : Integer.parseInt(spec.substring(colon + 1));
        ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        return at -> {
            if (!at.equals(point)) {
                return;
            }
            int c = counts.computeIfAbsent(at, k -> new AtomicInteger()).incrementAndGet();
            if (c == n) {
                out.println(MARKER + at + "#" + c);
                out.flush();
                Object never = new Object();
                synchronized (never) {
                    while (true) {
                        try {
                            never.wait();
                        } catch (InterruptedException e) {
                            // a stopped process stays stopped: only SIGKILL ends it
                        }
                    }
                }
            }
        };
    }
}
