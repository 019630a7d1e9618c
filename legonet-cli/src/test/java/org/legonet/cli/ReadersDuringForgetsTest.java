package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.util.Rng;

/**
 * {@code info}, {@code predict} and {@code eval} in a loop on other threads while 20 forgets of one
 * id each commit: none fails (the store's readers move to the newer generation when a commit
 * deletes the files of the one they were reading).
 */
class ReadersDuringForgetsTest {
    private static final int PUBLIC = 100;

    /** A labelled CSV of Gaussian blobs: label in column 0, 6 features, 3 classes. */
    private static void blobs(Path file, int rows, long seed) throws IOException {
        Rng rng = new Rng(seed);
        StringBuilder b = new StringBuilder("label,f0,f1,f2,f3,f4,f5\n");
        for (int r = 0; r < rows; r++) {
            int label = r % 3;
            b.append(label);
            for (int c = 0; c < 6; c++) {
                b.append(String.format(Locale.ROOT, ",%.4f", 2.0 * ((label + c) % 3) + rng.nextGaussian()));
            }
            b.append('\n');
        }
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    }

    @Test
    void infoPredictAndEvalNeverFailDuringTwentyForgets(@TempDir Path tmp) throws Exception {
        Path train = tmp.resolve("train.csv");
        Path test = tmp.resolve("test.csv");
        blobs(train, 500, 1);
        blobs(test, 60, 2);
        Path model = tmp.resolve("model");
        Cli.run("train", "--model", model, "--data", train, "--test", test, "--public", PUBLIC, "--encoder", "identity",
                "--adapters", 6, "--activate", 2, "--adapter", "linear", "--epochs", 2, "--threads", 1, "--quiet").ok();

        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger runs = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<List<Object>> commands = List.of(
                List.of("info", "--model", model, "--json"),
                List.of("predict", "--model", model, "--input", test, "--skip-column", "label", "--json"),
                List.of("eval", "--model", model, "--json", "--quiet", "--threads", 1));
        List<Thread> readers = new ArrayList<>();
        for (List<Object> command : commands) {
            Thread t = new Thread(() -> {
                while (!done.get()) {
                    Cli.Run r = Cli.run(command.toArray());
                    if (r.exit() != 0) {
                        failures.add(command.get(0) + " exited " + r.exit() + ": " + r.err().strip());
                    } else if (!r.json().has("model_digest")) {
                        failures.add(command.get(0) + " printed no model digest: " + r.out());
                    }
                    runs.incrementAndGet();
                }
            });
            t.start();
            readers.add(t);
        }
        try {
            for (int i = 0; i < 20; i++) {
                Cli.run("forget", "--model", model, "--id", PUBLIC + 7 * i, "--quiet").ok();
            }
        } finally {
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
        assertThat(failures).isEmpty();
        assertThat(runs.get()).isGreaterThan(20);
        assertThat(Cli.run("info", "--model", model, "--json").ok().json().get("deletion_requests").asInt())
                .isEqualTo(20);
    }
}
