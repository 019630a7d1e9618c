package org.legonet.cli;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.legonet.core.Progress;

/**
 * Shows long work on stderr: a progress bar on an interactive terminal, one line per finished task
 * otherwise (logs, CI), nothing with {@code --quiet}. Thread-safe: adapters report in parallel.
 */
abstract class CliProgress implements Progress {

    static CliProgress create(boolean quiet) {
        if (quiet) {
            return new Silent();
        }
        return System.console() != null ? new Bars() : new Lines(System.err);
    }

    /** No output. */
    static final class Silent extends CliProgress {
        @Override
        public void start(String task, long total) {
        }

        @Override
        public void step(long amount) {
        }

        @Override
        public void finish() {
        }
    }

    /** One line per task, with its duration. */
    static final class Lines extends CliProgress {
        private final PrintStream out;
        private String task;
        private long started;

        Lines(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void start(String name, long total) {
            task = name;
            started = System.nanoTime();
        }

        @Override
        public void step(long amount) {
        }

        @Override
        public synchronized void finish() {
            if (task != null) {
                out.printf(Locale.ROOT, "  %s: done in %.2f s%n", task, (System.nanoTime() - started) / 1e9);
                out.flush();
                task = null;
            }
        }
    }

    /** A live progress bar per task. */
    static final class Bars extends CliProgress {
        private ProgressBar bar;

        @Override
        public synchronized void start(String task, long total) {
            finish();
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(Math.max(1, total))
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(100)
                    .continuousUpdate()
                    .setMaxRenderedLength(100)
                    .build();
        }

        @Override
        public void step(long amount) {
            ProgressBar b = bar;
            if (b != null) {
                b.stepBy(amount);
            }
        }

        @Override
        public synchronized void finish() {
            if (bar != null) {
                bar.stepTo(bar.getMax());
                bar.close();
                bar = null;
            }
        }
    }
}
