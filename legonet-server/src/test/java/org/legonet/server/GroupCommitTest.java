package org.legonet.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit of the request log: lines written while an fsync runs share the next one, and
 * nobody's {@link RequestLog#sync} returns before an fsync that started after its line was
 * written has finished.
 */
class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void requestsWrittenDuringAnFsyncShareTheNextOne() throws Exception {
        CountDownLatch firstFsyncHeld = new CountDownLatch(1);
        CountDownLatch othersWritten = new CountDownLatch(4);
        AtomicInteger fsyncsStarted = new AtomicInteger();
        FaultInjector holdFirstFsync = point -> {
            if (point.equals(FaultInjector.WAL_WRITTEN) && fsyncsStarted.getAndIncrement() == 0) {
                firstFsyncHeld.countDown();
                try {
                    othersWritten.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Object writeLock = new Object();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Long> durableSeen = new ArrayList<>();
        try (RequestLog log = RequestLog.open(dir, holdFirstFsync)) {
            List<Future<long[]>> done = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                if (n == 1) {
                    assertThat(firstFsyncHeld.await(10, TimeUnit.SECONDS)).isTrue();
                }
                done.add(pool.submit(() -> {
                    long position;
                    synchronized (writeLock) {
                        position = log.write(new LoggedRequest("r-" + n, "2026-12-01T00:00:00Z", new long[] {n}, null));
                    }
                    if (n > 0) {
                        othersWritten.countDown();
                    }
                    return new long[] {position, log.sync(position)};
                }));
            }
            for (Future<long[]> f : done) {
                long[] r = f.get(10, TimeUnit.SECONDS);
                assertThat(r[1]).as("durable position returned to the writer of line %d", r[0]).isGreaterThanOrEqualTo(r[0]);
                durableSeen.add(r[1]);
            }
            assertThat(log.records()).isEqualTo(5);
            assertThat(log.fsyncs()).as("one fsync for the first line, one for the four written while it ran")
                    .isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        assertThat(durableSeen).contains(1L, 5L);
        try (RequestLog again = RequestLog.open(dir, FaultInjector.NONE)) {
            assertThat(again.recovered()).hasSize(5);
        }
    }
}
