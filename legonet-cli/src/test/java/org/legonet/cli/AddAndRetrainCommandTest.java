package org.legonet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.legonet.core.data.Dataset;
import org.legonet.core.testing.Synthetic;

/**
 * {@code add} and {@code retrain} on small models trained on generated CSV files with an id column:
 * additions are exact (verify, and the digest of training on everything at once), bad additions are
 * refused with nothing written, and a retrain equals training from scratch on the retained samples.
 */
@Execution(ExecutionMode.CONCURRENT)
class AddAndRetrainCommandTest {
    static final int ROWS = 1200;
    static final int FIRST_ROWS = 900;
    static final int PUBLIC = 300;
    static final int FEATURES = 12;
    static final int CLASSES = 4;

    @TempDir
    static Path shared;
    /** Every row; written with ids 0..ROWS-1 (row numbers). */
    static Dataset all;
    static Path allCsv;
    static Path firstCsv;
    static Path restCsv;
    /** Trained on {@link #firstCsv}: never modified. */
    static Path base;

    @BeforeAll
    static void data() {
        all = Synthetic.blobs(ROWS, FEATURES, CLASSES, 11, 0);
        allCsv = csv(shared.resolve("all.csv"), all, id -> true);
        firstCsv = csv(shared.resolve("first.csv"), all, id -> id < FIRST_ROWS);
        restCsv = csv(shared.resolve("rest.csv"), all, id -> id >= FIRST_ROWS);
        base = shared.resolve("base");
        Cli.run(train(base, firstCsv).args("train")).ok();
    }

    static Cli.Opts train(Path model, Path data) {
        return new Cli.Opts().set("--model", model).set("--data", data).set("--id-column", "id")
                .set("--public", PUBLIC).set("--encoder", "pca:8").set("--adapters", 6).set("--activate", 2)
                .set("--epochs", 1).set("--threads", 2).flag("--quiet");
    }

    static Path copyOfBase(Path tmp) {
        return Cli.copyTree(base, tmp.resolve("model"));
    }

    @Test
    void addThenVerifyIsExactAndEqualsTrainingOnEveryRow(@TempDir Path tmp) {
        Path m = copyOfBase(tmp);
        JsonNode j = Cli.run("add", "--model", m, "--data", restCsv, "--id-column", "id", "--json", "--quiet").ok().json();
        assertThat(j.get("added").asInt()).isEqualTo(ROWS - FIRST_ROWS);
        assertThat(j.get("forgotten").asInt()).isZero();
        assertThat(j.get("adapters_retrained")).isNotEmpty();
        assertThat(j.get("digest_after").asText()).isNotEqualTo(j.get("digest_before").asText());

        Cli.Run v = Cli.run("verify", "--model", m, "--quiet").ok();
        assertThat(v.outLines().get(0)).isEqualTo("EXACT");

        Path whole = tmp.resolve("whole");
        String wholeDigest = Cli.run(train(whole, allCsv).flag("--json").args("train")).ok().json()
                .get("model_digest").asText();
        assertThat(j.get("digest_after").asText()).as("added = trained on all rows").isEqualTo(wholeDigest);

        JsonNode info = Cli.run("info", "--model", m, "--json").ok().json();
        assertThat(info.get("samples_added").asInt()).isEqualTo(ROWS - FIRST_ROWS);
        assertThat(info.get("retained_samples").asInt()).isEqualTo(ROWS - PUBLIC);
        assertThat(info.get("deletion_requests").asInt()).isZero();
        assertThat(info.get("updates").asInt()).isEqualTo(1);
    }

    @Test
    void plainOutputNamesWhatWasAddedAndRetrained(@TempDir Path tmp) {
        Path m = copyOfBase(tmp);
        Cli.Run r = Cli.run("add", "--model", m, "--data", restCsv, "--id-column", "id", "--quiet").ok();
        assertThat(r.outLines().get(0)).isEqualTo("Added.");
        assertThat(r.out()).contains("added                 " + (ROWS - FIRST_ROWS) + " samples")
                .contains("adapters retrained").contains("samples retrained").contains("digest after");
    }

    @Test
    void npyWithAnIdsFileAndFirstIdNumberingAreExact(@TempDir Path tmp) throws IOException {
        Path m = copyOfBase(tmp);
        int n = 50;
        Dataset extra = Synthetic.blobs(n, FEATURES, CLASSES, 12, 0);
        float[] x = new float[n * FEATURES];
        long[] ids = new long[n];
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            extra.copyRow(r, x, r * FEATURES);
            ids[r] = 10_000 + 3L * r;
            y[r] = extra.label(r);
        }
        Path xs = writeNpy(tmp.resolve("X_new.npy"), "<f4", x, null, n, FEATURES);
        writeNpy(tmp.resolve("y_new.npy"), "<i8", null, toLongs(y), n, 0);
        Path idFile = writeNpy(tmp.resolve("ids.npy"), "<i8", null, ids, n, 0);
        JsonNode j = Cli.run("add", "--model", m, "--data", xs, "--ids", idFile, "--json", "--quiet").ok().json();
        assertThat(j.get("added").asInt()).isEqualTo(n);

        Path noIds = GeneratedCsv.blobs(tmp.resolve("no-ids.csv"), 40, FEATURES, CLASSES, 13);
        Cli.run("add", "--model", m, "--data", noIds, "--first-id", 50_000, "--quiet").ok();
        assertThat(Cli.run("verify", "--model", m, "--quiet").ok().outLines().get(0)).isEqualTo("EXACT");
        JsonNode info = Cli.run("info", "--model", m, "--json").ok().json();
        assertThat(info.get("samples_added").asInt()).isEqualTo(n + 40);
    }

    @Test
    void anIdxFolderNumberedFromFirstIdIsExact(@TempDir Path tmp) {
        Path slice = Cli.writeSlice(tmp.resolve("fmnist"), 1500, 10);
        Path m = tmp.resolve("fm");
        Cli.run(Cli.smallTrain(m, slice).set("--limit", 1200).remove("--test-limit").args("train")).ok();
        JsonNode j = Cli.run("add", "--model", m, "--data", slice, "--first-id", 100_000, "--json", "--quiet").ok().json();
        assertThat(j.get("added").asInt()).isEqualTo(1500);
        assertThat(Cli.run("verify", "--model", m, "--quiet").ok().outLines().get(0)).isEqualTo("EXACT");
    }

    @Test
    void refusalsAreOneLineOfBadInputAndWriteNothing(@TempDir Path tmp) throws IOException {
        Path m = copyOfBase(tmp);
        Map<String, String> before = content(m);
        // an id the model holds
        Path held = csv(tmp.resolve("held.csv"), all, id -> id == PUBLIC + 5);
        Cli.run("add", "--model", m, "--data", held, "--id-column", "id", "--quiet").badInput(String.valueOf(PUBLIC + 5));
        // an id repeated in the file
        Path repeated = tmp.resolve("repeated.csv");
        List<String> lines = new ArrayList<>(Files.readAllLines(restCsv));
        lines.add(lines.get(1));
        Files.write(repeated, lines);
        Cli.run("add", "--model", m, "--data", repeated, "--id-column", "id", "--quiet").badInput(String.valueOf(FIRST_ROWS));
        // a label outside the label set
        Path label = tmp.resolve("label.csv");
        Files.writeString(label, header(FEATURES) + "7000," + (CLASSES + 3) + ",1" + ",0".repeat(FEATURES - 1) + "\n");
        Cli.run("add", "--model", m, "--data", label, "--id-column", "id", "--quiet").badInput("label");
        // a feature count other than the model's
        Path narrow = tmp.resolve("narrow.csv");
        Files.writeString(narrow, header(FEATURES - 1) + "7001,1,1" + ",0".repeat(FEATURES - 2) + "\n");
        Cli.run("add", "--model", m, "--data", narrow, "--id-column", "id", "--quiet").badInput(String.valueOf(FEATURES));
        // ids that do not match the samples, an id column for non-CSV data, no ids at all
        Path ids = tmp.resolve("ids.txt");
        Files.writeString(ids, "7002\n7003\n");
        Cli.run("add", "--model", m, "--data", restCsv, "--ids", ids, "--quiet").badInput("2 ids", "300 samples");
        Cli.run("add", "--model", m, "--data", restCsv, "--quiet").badInput("--id-column");
        Cli.run("add", "--model", m, "--data", restCsv, "--id-column", "id", "--first-id", 3).badInput("mutually exclusive");
        assertThat(content(m)).as("nothing written").isEqualTo(before);
    }

    @Test
    void aForgottenIdComesBackOnlyWhenAskedFor(@TempDir Path tmp) {
        Path m = copyOfBase(tmp);
        long id = PUBLIC + 7;
        Cli.run("forget", "--model", m, "--id", id, "--quiet").ok();
        Map<String, String> before = content(m);
        Path again = csv(tmp.resolve("again.csv"), all, x -> x == id);
        Cli.run("add", "--model", m, "--data", again, "--id-column", "id", "--quiet").badInput(String.valueOf(id), "forgotten", "--readd-forgotten");
        assertThat(content(m)).isEqualTo(before);
        JsonNode j = Cli.run("add", "--model", m, "--data", again, "--id-column", "id", "--readd-forgotten", "--json",
                "--quiet").ok().json();
        assertThat(j.get("added").asInt()).isEqualTo(1);
        assertThat(Cli.run("verify", "--model", m, "--quiet").ok().outLines().get(0)).isEqualTo("EXACT");
    }

    @Test
    void retrainAfterForgetsEqualsTrainingFromScratchOnTheRetainedSamples(@TempDir Path tmp) {
        Path m = copyOfBase(tmp);
        Set<Long> gone = Set.of((long) PUBLIC, (long) PUBLIC + 1, 777L);
        Cli.run("forget", "--model", m, "--id", PUBLIC, "--id", PUBLIC + 1, "--quiet").ok();
        Cli.run("forget", "--model", m, "--id", 777, "--quiet").ok();
        Map<String, String> before = content(m);

        Path out = tmp.resolve("retrained");
        JsonNode j = Cli.run("retrain", "--model", m, "--out", out, "--json", "--quiet").ok().json();
        assertThat(content(m)).as("--out leaves the model as it is").isEqualTo(before);
        assertThat(j.get("private_samples").asInt()).isEqualTo(FIRST_ROWS - PUBLIC - gone.size());

        Path kept = csv(tmp.resolve("kept.csv"), all, id -> id < FIRST_ROWS && !gone.contains(id));
        String scratch = Cli.run(train(tmp.resolve("scratch"), kept).flag("--json").args("train")).ok().json()
                .get("model_digest").asText();
        assertThat(j.get("model_digest").asText()).isEqualTo(scratch);

        JsonNode info = Cli.run("info", "--model", out, "--json").ok().json();
        assertThat(info.get("model_digest").asText()).isEqualTo(scratch);
        assertThat(info.get("generation").asInt()).as("a fresh log").isZero();
        assertThat(info.get("samples_forgotten").asInt()).isZero();
        assertThat(Cli.run("verify", "--model", out, "--quiet").ok().outLines().get(0)).isEqualTo("EXACT");
    }

    @Test
    void retrainInPlaceWarnsThatTheForgottenIdsAreNoLongerRecorded(@TempDir Path tmp) {
        Path m = copyOfBase(tmp);
        long id = PUBLIC + 9;
        Cli.run("forget", "--model", m, "--id", id, "--quiet").ok();
        Cli.Run r = Cli.run("retrain", "--model", m, "--replace", "--quiet").ok();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("warning: ").contains("fresh log", "the 1 id forgotten");
        assertThat(r.out()).startsWith("Retrained.");
        JsonNode info = Cli.run("info", "--model", m, "--json").ok().json();
        assertThat(info.get("retained_samples").asInt()).isEqualTo(FIRST_ROWS - PUBLIC - 1);
        assertThat(info.get("generation").asInt()).isZero();
        assertThat(Cli.list(tmp)).as("the model and the id key its retraining made").containsExactly("model", "model.idkey");
        // the fresh log no longer refuses the forgotten id
        Path again = csv(tmp.resolve("again.csv"), all, x -> x == id);
        Cli.run("add", "--model", m, "--data", again, "--id-column", "id", "--quiet").ok();
    }

    @Test
    void retrainRefusesAnExistingTargetAndNeedsOneOfOutOrReplace(@TempDir Path tmp) throws IOException {
        Path m = copyOfBase(tmp);
        Path taken = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(taken.resolve("x"), "x");
        Cli.run("retrain", "--model", m, "--out", taken, "--quiet").badInput("already exists", "--force");
        Cli.run("retrain", "--model", m, "--quiet").badInput("--out", "--replace");
        Cli.run("retrain", "--model", m, "--out", m, "--force", "--quiet").badInput("--replace");
        Cli.run("retrain", "--model", m, "--out", taken, "--replace").badInput("mutually exclusive");
    }

    @Test
    void infoShowsTheAdapterBalance() {
        JsonNode j = Cli.run("info", "--model", base, "--json").ok().json();
        double ratio = j.get("expected_samples_retrained_per_removal").asDouble()
                / j.get("ideal_samples_retrained_per_removal").asDouble();
        assertThat(j.get("balance_ratio").asDouble()).isCloseTo(ratio, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(j.get("samples_added").asInt()).isZero();
        Cli.Run r = Cli.run("info", "--model", base).ok();
        assertThat(r.outLines()).anyMatch(l -> l.matches(
                "  adapter balance +\\d+\\.\\d\\dx the ideal cost \\(keys frozen; `legonet retrain` re-fits them\\)"));
    }

    @Test
    void helpTeachesWithExamples() {
        assertThat(Cli.run("add", "--help").ok().out()).contains("legonet add --model m --data new.csv --id-column id")
                .contains("--readd-forgotten").contains("--first-id");
        assertThat(Cli.run("retrain", "--help").ok().out()).contains("legonet retrain --model m --out m2")
                .contains("fresh log");
    }

    // ------------------------------------------------------------------------------------------

    /** The files of a model directory and their digests, without the (empty) writer lock file. */
    static Map<String, String> content(Path model) {
        Map<String, String> files = new java.util.TreeMap<>(Cli.tree(model));
        files.remove(".lock");
        return files;
    }

    static String header(int features) {
        StringBuilder b = new StringBuilder("id,label");
        for (int f = 0; f < features; f++) {
            b.append(",f").append(f);
        }
        return b.append('\n').toString();
    }

    /**
     * The rows of {@code d} whose row number {@code keep} accepts, as a CSV with columns id, label,
     * features; each sample's id is its row number in {@code d}.
     */
    static Path csv(Path file, Dataset d, LongPredicate keep) {
        StringBuilder b = new StringBuilder(header(d.dim()));
        float[] x = new float[d.dim()];
        for (int r = 0; r < d.size(); r++) {
            if (!keep.test(r)) {
                continue;
            }
            d.copyRow(r, x, 0);
            b.append(r).append(',').append(d.label(r));
            for (float v : x) {
                b.append(',').append(String.format(Locale.ROOT, "%.4f", v));
            }
            b.append('\n');
        }
        try {
            return Files.writeString(file, b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long[] toLongs(float[] y) {
        long[] out = new long[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = (long) y[i];
        }
        return out;
    }

    /** A little-endian C-order .npy file: float32 ({@code <f4}, 2-D) or int64 ({@code <i8}, 1-D). */
    static Path writeNpy(Path file, String descr, float[] x, long[] v, int rows, int cols) throws IOException {
        String shape = cols == 0 ? "(" + rows + ",)" : "(" + rows + ", " + cols + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        int body = x != null ? 4 * x.length : 8 * v.length;
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + body).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        if (x != null) {
            for (float f : x) {
                b.putFloat(f);
            }
        } else {
            for (long l : v) {
                b.putLong(l);
            }
        }
        return Files.write(file, b.array());
    }
}
