package org.legonet.core;

/**
 * Progress of long work (training, encoding, verifying), reported to whoever shows it: the CLI
 * draws a progress bar, the server a metric, tests nothing. Implementations must be thread-safe:
 * adapters train in parallel and each reports its own steps.
 */
public interface Progress {
    /** Reports nothing. */
    Progress NONE = new Progress() {
        @Override
        public void start(String task, long total) {
        }

        @Override
        public void step(long amount) {
        }

        @Override
        public void finish() {
        }
    };

    /** A new task of {@code total} units begins (the previous one, if any, has finished). */
    void start(String task, long total);

    /** {@code amount} more units are done. */
    void step(long amount);

    /** The current task is done. */
    void finish();
}
